"""Persons (自然人): one row per subject key, the plain number only encrypted."""
