"""Growing the tree from its frontier, proof ranges and the canonical leaf: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from chengxin.access.merkle import Frontier, fold, inclusion_path, leaf_hash, path_ranges, perfect_parts, root
from chengxin.access.rules import LEAF_FIELDS, at_text, head_message, head_moment, head_timestamp, leaf_data, leaf_entry

LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(300)]


def test_frontier_root_equals_the_tree_root_at_every_size_and_survives_encoding():
    tree = Frontier()
    for n, leaf in enumerate(LEAVES, start=1):
        tree.append(leaf)
        assert tree.root() == root(LEAVES[:n])
        again = Frontier.decode(n, tree.encode())
        assert again.root() == tree.root() and len(tree.hashes) == n.bit_count()


def test_frontier_reports_each_complete_subtree_once_with_its_position():
    closed: list[tuple[int, int, bytes]] = []
    tree = Frontier()
    for leaf in LEAVES[:260]:
        tree.append(leaf, lambda *node: closed.append(node), min_level=2)
    expected = [(lvl, i) for lvl in range(2, 9) for i in range(260 >> lvl)]
    assert sorted((lvl, i) for lvl, i, _ in closed) == sorted(expected)
    for level, index, h in closed:
        assert h == root(LEAVES[index << level : (index + 1) << level])


def test_a_frontier_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError):
        Frontier(3, [LEAVES[0]])
    with pytest.raises(ValueError):
        Frontier.decode(3, b"x" * 33)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 100, 256, 257, 300])
def test_path_ranges_and_perfect_parts_rebuild_the_audit_path(n):
    tree = LEAVES[:n]
    for i in range(0, n, max(1, n // 17)):
        path = [fold([root(tree[p << lvl : (p + 1) << lvl]) for lvl, p in perfect_parts(lo, hi)])
                for lo, hi in path_ranges(i, n)]
        assert path == inclusion_path(tree, i)


def test_perfect_parts_are_aligned_power_of_two_blocks():
    assert perfect_parts(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert perfect_parts(256, 300) == [(5, 8), (3, 36), (2, 74)]


ROW = (7, "2026-11-21 02:10:00.123456", "checker", "human_resources", None, "01JD3X5Q7N9R2T4V6W8Y0Z1A2B",
       "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e", "check", "公务员招录\n资格审查", "civil_service_recruitment", "R-1",
       None, "clear")


def test_leaf_is_canonical_json_that_decodes_to_the_entry():
    data = leaf_data(ROW)
    assert data.startswith(b'["cx-access/1",7,"2026-11-21T02:10:00.123456Z","checker"')
    assert "公务员招录".encode() in data  # non-ASCII kept as UTF-8
    entry = leaf_entry(data)
    assert list(entry) == list(LEAF_FIELDS)
    assert entry["at"] == "2026-11-21T02:10:00.123456Z" and entry["purpose"] == "公务员招录\n资格审查"
    assert entry["actor_org"] is None


def test_the_same_moment_encodes_the_same_from_either_database():
    aware = datetime(2026, 11, 21, 10, 10, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    assert at_text(aware) == at_text("2026-11-21 02:10:00.123456") == "2026-11-21T02:10:00.123456Z"
    assert at_text("2026-11-21 02:10:00") == "2026-11-21T02:10:00.000000Z"  # no microseconds stored
    assert leaf_data((7, aware, *ROW[2:])) == leaf_data(ROW)


def test_any_changed_field_changes_the_leaf():
    base = leaf_data(ROW)
    for i in range(len(ROW)):
        changed = list(ROW)
        changed[i] = 8 if i == 0 else ("2026-11-21 02:10:00.123457" if i == 1 else (ROW[i] or "") + "x")
        assert leaf_data(changed) != base, LEAF_FIELDS[i]


def test_tree_head_message_is_rfc6962_tree_head_signature():
    moment = datetime(2026, 11, 21, 2, 10, 0, 123000, tzinfo=UTC)
    stamp = head_timestamp(moment)
    assert head_moment(stamp) == moment
    message = head_message(stamp, 1000, bytes(32))
    assert message == b"\x00\x01" + stamp.to_bytes(8, "big") + (1000).to_bytes(8, "big") + bytes(32)
    with pytest.raises(ValueError):
        head_message(stamp, 1, b"short")
