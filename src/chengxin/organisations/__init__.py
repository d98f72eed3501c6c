"""Organisations (法人和非法人组织) keyed by USCC, and the persons who answer for them."""
