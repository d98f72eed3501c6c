"""`chengxin audit verify`: recompute the access log's tree from the entries and check it.

One pass over the leaves in tree order, each joined to its entry: the entry's canonical
encoding must hash to the stored leaf; the stored leaves must rebuild every signed tree
head's root (and its stored frontier, and the cached subtree hashes, which localise a
rewritten leaf hash to a block of 256 leaves); every head's Ed25519 signature must verify
with the published keys. Then a pass over the entries that are not leaves: those that
should have been sealed long ago (earlier than the latest head by more than the sealer's
late window) are named, the others are counted as pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.access import merkle
from chengxin.access import repository as repo
from chengxin.access.models import AuditVerification, TreeHead
from chengxin.access.rules import at_text, head_message, head_timestamp, leaf_data
from chengxin.access.sealing import CACHE_LEVEL, LATE_WINDOW, SUBJECT
from chengxin.clock import utcnow
from chengxin.signing import PublicKeys

MAX_PROBLEMS = 50  # kept in the report; all are counted
PROGRESS_EVERY = 50_000


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. `code` is stable; `message` Chinese; positions name the entry, no data."""

    code: str
    message: str
    seq: int | None = None
    leaf_index: int | None = None

    def line(self) -> str:
        where = []
        if self.seq is not None:
            where.append(f"序号 {self.seq}")
        if self.leaf_index is not None:
            where.append(f"叶子 {self.leaf_index}")
        return f"[{self.code}] {'，'.join(where)}{'：' if where else ''}{self.message}"


@dataclass
class Report:
    tree_size: int = 0  # leaves checked
    root_hash: bytes | None = None  # of the latest head, when it checked out
    heads: int = 0
    pending: int = 0  # entries not sealed yet (recent)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


def verify(session: Session, keys: PublicKeys, progress: Callable[[int, int], None] | None = None) -> Report:
    """Check the whole log; `progress(done, total)` is called as leaves go by."""
    report = Report()
    heads = repo.heads(session)
    latest = heads[-1] if heads else None
    total = max(latest.tree_size if latest else 0, repo.counts(session)[1])
    cached = repo.all_nodes(session)
    pending_heads = iter(heads)
    next_head: TreeHead | None = next(pending_heads, None)
    tree = merkle.Frontier()
    leaf_hash = merkle.leaf_hash

    def check_node(level: int, index: int, h: bytes) -> None:
        stored = cached.pop((level, index), None)
        if stored is not None and stored != h:
            lo, hi = index << level, (index + 1) << level
            report.add(Problem("AUDIT_LEAF_HASH_REWRITTEN",
                               f"叶子 {lo}–{hi - 1} 中有叶子哈希被改写"
                               f"（与封存时保存的子树哈希 {level} 层 {index} 号不符）"))

    expected = 0
    for leaf_index, seq, stored, subject, *entry in repo.leaves_with_entries(session):
        stored = bytes(stored)
        if leaf_index != expected:
            report.add(Problem("AUDIT_LEAF_MISSING", f"缺少叶子 {expected}–{leaf_index - 1}（叶子记录被删除）",
                               leaf_index=expected))
            expected = leaf_index
        if entry[0] is None:
            report.add(Problem("AUDIT_ENTRY_DELETED", "查询记录已被删除（封存的叶子仍在）", seq, leaf_index))
        elif leaf_hash(leaf_data(entry)) != stored:
            report.add(Problem("AUDIT_ENTRY_ALTERED", "查询记录的内容与封存时不一致（被修改）", seq, leaf_index))
        elif subject != entry[SUBJECT]:
            report.add(Problem("AUDIT_LEAF_SUBJECT_ALTERED",
                               "叶子上的主体键索引与查询记录不符（本人将看不到这条记录）", seq, leaf_index))
        tree.append(stored, check_node, CACHE_LEVEL)
        expected += 1
        while next_head is not None and tree.size == next_head.tree_size:
            _check_head(report, next_head, tree, keys)
            next_head = next(pending_heads, None)
        if progress is not None and tree.size % PROGRESS_EVERY == 0:
            progress(tree.size, total)
    report.tree_size = tree.size
    if progress is not None:
        progress(tree.size, total)
    for head in [next_head, *pending_heads] if next_head is not None else []:
        report.add(Problem("AUDIT_HEAD_BEYOND_LEAVES",
                           f"签名树头（大小 {head.tree_size}）超过现有叶子数 {tree.size}：叶子被删除"))
    if latest is not None and tree.size > latest.tree_size:
        report.add(Problem("AUDIT_LEAVES_UNSIGNED",
                           f"叶子 {latest.tree_size}–{tree.size - 1} 不在任何签名树头内（叶子被插入）",
                           leaf_index=latest.tree_size))
    if latest is None and tree.size:
        report.add(Problem("AUDIT_LEAVES_UNSIGNED", f"有 {tree.size} 个叶子但没有签名树头", leaf_index=0))
    for (level, index), _h in sorted(cached.items()):
        if (index + 1) << level <= tree.size:
            report.add(Problem("AUDIT_NODE_UNKNOWN", f"缓存的子树哈希（{level} 层 {index} 号）与叶子对不上"))
    _check_unsealed(session, report, latest)
    if latest is not None and report.ok:
        report.root_hash = bytes(latest.root_hash)
    report.heads = len(heads)
    return report


def _check_head(report: Report, head: TreeHead, tree: merkle.Frontier, keys: PublicKeys) -> None:
    root, claimed = tree.root(), bytes(head.root_hash)
    where = f"签名树头（大小 {head.tree_size}，{at_text(head.signed_at)}）"
    if root != claimed:
        report.add(Problem("AUDIT_ROOT_MISMATCH", f"{where}的根哈希与由叶子重算的不一致",
                           leaf_index=head.tree_size - 1))
    if bytes(head.frontier) != tree.encode():
        report.add(Problem("AUDIT_FRONTIER_MISMATCH", f"{where}保存的边界节点与重算的不一致"))
    if head.key_id not in keys:
        report.add(Problem("AUDIT_HEAD_KEY_UNKNOWN", f"{where}的签名密钥 {head.key_id} 不在平台公布的公钥中"))
    elif not keys.verify(head.key_id, head_message(head_timestamp(head.signed_at), head.tree_size, claimed),
                         bytes(head.signature)):
        report.add(Problem("AUDIT_HEAD_SIGNATURE_INVALID", f"{where}的签名无效（树头被伪造或改动）"))


def _check_unsealed(session: Session, report: Report, latest: TreeHead | None) -> None:
    """Entries that are not leaves: recent ones are pending; one that should have been sealed by
    the latest head (older than it by more than the late window) was slipped in afterwards."""
    cutoff = at_text(latest.signed_at - LATE_WINDOW) if latest is not None else None
    for seq, at in repo.unsealed_entries(session):
        if cutoff is not None and seq <= latest.max_seq and at_text(at) < cutoff:  # type: ignore[union-attr]
            report.add(Problem("AUDIT_ENTRY_NOT_SEALED", "查询记录早于最新签名树头却未被封存（事后插入）", seq))
        else:
            report.pending += 1


def record(session: Session, report: Report, started: datetime, finished: datetime | None = None) -> AuditVerification:
    """Keep the outcome of a run (what `GET /api/v1/audit/tree-head` shows)."""
    first = report.problems[0].line() if report.problems else None
    run = AuditVerification(id=ids.new_id(), started_at=started.astimezone(UTC), finished_at=finished or utcnow(),
                            ok=report.ok, tree_size=report.tree_size, root_hash=report.root_hash,
                            entries=report.tree_size, pending=report.pending, problems=report.problem_count,
                            first_problem=first[:400] if first else None)
    repo.add_verification(session, run)
    return run
