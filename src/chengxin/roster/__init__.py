"""Occupation rosters (职业信用档案)."""
