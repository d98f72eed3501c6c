"""Generation counters: what one process changed that every other process must follow at once."""
