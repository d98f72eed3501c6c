"""Publicity periods (公示期限) by severity tier, computed at read time (R4, R12)."""
