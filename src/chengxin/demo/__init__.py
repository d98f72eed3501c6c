"""Synthetic demo data: valid-looking but invented identities, never real persons."""
