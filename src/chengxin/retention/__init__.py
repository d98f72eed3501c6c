"""Retention (issue 18 §6, R6): negative information deleted when its time is up, in batches, with a report."""
