"""Explanation limits: plain values."""

MIN_CHARS = 5
# Long enough for the circumstances and what was done since; short enough to be read beside the matter.
MAX_CHARS = 500
