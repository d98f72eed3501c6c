"""RFC 6962 hashing: the tree root, audit paths and their verification."""

from __future__ import annotations

import hashlib

import pytest

from chengxin.access.merkle import EMPTY_ROOT, inclusion_path, leaf_hash, node_hash, root, verify_inclusion


def mth(leaves: list[bytes]) -> bytes:
    """The recursive definition of RFC 6962 §2.1, as the reference."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(70)]


def test_known_answer_for_the_empty_tree_and_one_leaf():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # RFC 6962 test vector: the leaf hash of the empty string.
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 32, 33, 70])
def test_root_matches_the_recursive_definition(n):
    assert root(LEAVES[:n]) == mth(LEAVES[:n])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 70])
def test_every_audit_path_verifies_and_a_wrong_one_does_not(n):
    tree = LEAVES[:n]
    top = root(tree)
    for i in range(n):
        path = inclusion_path(tree, i)
        assert verify_inclusion(tree[i], i, n, path, top)
        assert not verify_inclusion(leaf_hash(b"forged"), i, n, path, top)
        if n > 1:
            assert not verify_inclusion(tree[i], (i + 1) % n, n, path, top)


def test_out_of_range_index():
    with pytest.raises(ValueError):
        inclusion_path(LEAVES[:3], 3)
    assert not verify_inclusion(LEAVES[0], 5, 3, [], root(LEAVES[:3]))
