"""Conflicts (信息冲突): a department's data that differs from what the platform holds, for the credit office."""
