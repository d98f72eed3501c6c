"""Integrity points (诚信积分): opt-in, explainable, for incentives only (R18)."""
