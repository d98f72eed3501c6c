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


# --- growing a tree without holding it ------------------------------------------------------


class Frontier:
    """A tree of `size` leaves held as the roots of the perfect subtrees it splits into (one
    per set bit of `size`, largest first): enough to append leaves and compute the root.

    `append` calls `on_node(level, index, hash)` for every complete subtree it closes at
    `min_level` or above (the subtree of 2**level leaves starting at leaf index * 2**level).
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError("a frontier holds one hash per set bit of its size")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes, on_node=None, min_level: int = 1) -> None:
        h, index, level = leaf, self.size, 0
        hashes = self.hashes
        while index & 1:
            h = hashlib.sha256(b"\x01" + hashes.pop() + h).digest()
            index >>= 1
            level += 1
            if on_node is not None and level >= min_level:
                on_node(level, index, h)
        hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        return fold(self.hashes)

    def encode(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def decode(cls, size: int, blob: bytes) -> Frontier:
        if len(blob) != 32 * size.bit_count():
            raise ValueError("frontier of the wrong length")
        return cls(size, [blob[i : i + 32] for i in range(0, len(blob), 32)])

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)


def fold(parts: Sequence[bytes]) -> bytes:
    """The root over consecutive perfect subtrees, largest first (a frontier, or a range's parts)."""
    if not parts:
        return EMPTY_ROOT
    r = parts[-1]
    for h in reversed(parts[:-1]):
        r = node_hash(h, r)
    return r


def perfect_parts(lo: int, hi: int) -> list[tuple[int, int]]:
    """The perfect subtrees (level, index) that the tree node over leaves [lo, hi) splits into,
    largest first; its hash is `fold` of theirs. Every node of an RFC 6962 tree starts at a
    multiple of a power of two at least its size, so the parts are aligned subtrees."""
    parts: list[tuple[int, int]] = []
    while lo < hi:
        n = hi - lo
        k = n if n & (n - 1) == 0 else _split(n)
        level = k.bit_length() - 1
        parts.append((level, lo >> level))
        lo += k
    return parts


def path_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges [lo, hi) whose hashes make the audit path of leaf `index` in a tree of
    `size` leaves, in path order (nearest the leaf first), as `inclusion_path` builds it."""
    if not 0 <= index < size:
        raise ValueError("leaf index out of range")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges
