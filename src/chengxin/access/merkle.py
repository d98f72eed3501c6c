"""RFC 6962 (Certificate Transparency) Merkle tree hashing, audit paths and their check.

Pure functions over bytes. Leaves are hashed as SHA-256(0x00 || data), interior
nodes as SHA-256(0x01 || left || right); the tree over n leaves splits at the
largest power of two smaller than n (RFC 6962 §2.1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle tree hash of leaf hashes, bottom-up in O(n) with O(log n) extra memory.

    Equivalent to the recursive MTH of RFC 6962: pairing left to right level by
    level and carrying an odd last node up unchanged yields the same tree.
    """
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Audit path for leaf `index` in the tree over `leaves` (RFC 6962 §2.1.1)."""
    if not 0 <= index < len(leaves):
        raise ValueError("leaf index out of range")
    path: list[bytes] = []

    def walk(lo: int, hi: int, m: int) -> None:
        n = hi - lo
        if n == 1:
            return
        k = _split(n)
        if m < k:
            walk(lo, lo + k, m)
            path.append(root(leaves[lo + k : hi]))
        else:
            walk(lo + k, hi, m - k)
            path.append(root(leaves[lo : lo + k]))

    walk(0, len(leaves), index)
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """Check an audit path against a tree head (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root
