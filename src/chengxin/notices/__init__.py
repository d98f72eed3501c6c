"""Notices to persons: an outbox written with the change, delivered at least once, received once."""
