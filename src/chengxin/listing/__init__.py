"""The listing procedure (R13): prior notice, statement and defence, decision, 两书同达."""
