"""Sortable unique ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32)."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    """A 26-character id that sorts by creation time."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    out = []
    for _ in range(26):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


# A random byte's low five bits as a Crockford character: 256 is a multiple of 32, so each
# character is uniform, and 16 of them carry the 80 random bits of an id.
_FIVE_BITS = bytes(_ALPHABET.encode()[b & 31] for b in range(256))


def new_ids(count: int) -> list[str]:
    """`count` ids laid out as `new_id` makes them, made together for bulk inserts: one clock
    read, one urandom call and one byte translation for all (base64.b32encode is a Python loop
    and cost more than a chunk's other id work)."""
    ms = time.time_ns() // 1_000_000
    head = "".join(_ALPHABET[(ms >> shift) & 31] for shift in range(45, -5, -5))
    tail = os.urandom(16 * count).translate(_FIVE_BITS).decode()
    return [head + tail[i : i + 16] for i in range(0, 16 * count, 16)]
