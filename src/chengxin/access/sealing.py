"""Sealing the access log into an RFC 6962 Merkle tree, signing tree heads, inclusion proofs.

The append (`service.log_reads`) stays a plain insert. The sealer, run by the jobs and by
`chengxin audit seal`, takes the committed entries that are not leaves yet, gives them the
next leaf indexes in seq order, extends the tree from the last head's frontier (O(new
leaves)), keeps the hashes of complete subtrees of 2**CACHE_LEVEL leaves and more, and signs
the new head. On PostgreSQL sequence values commit out of order and rolled-back
transactions leave gaps, so the leaf index, not the seq, is the tree order, and each seal
also looks below the last sealed seq for entries committed late (down to the seq a head at
least LATE_WINDOW old had reached).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from chengxin.access import merkle
from chengxin.access import repository as repo
from chengxin.access.models import TreeHead
from chengxin.access.rules import (
    LEAF_FIELDS,
    PROOF_FORMAT,
    at_text,
    head_message,
    head_moment,
    head_timestamp,
    leaf_data,
    leaf_entry,
)
from chengxin.clock import CHINA, utcnow
from chengxin.db import unit_of_work
from chengxin.errors import DomainError, NotFound
from chengxin.signing import Signer

CACHE_LEVEL = 8  # subtrees of 256 leaves and more are stored: a proof reads at most two blocks of leaves
LATE_WINDOW = timedelta(minutes=15)  # longer than any transaction that writes the log
CHUNK = 20_000
SUBJECT = LEAF_FIELDS.index("subject_key")
SEAL_BATCH = 100_000  # entries per transaction when sealing a backlog
STATUS_LABELS = {"sealed": "已封存", "pending": "待封存"}
HOW_TO_VERIFY = (
    "叶子哈希 = SHA-256(0x00 ‖ leaf_data 的 UTF-8 字节)；沿 audit_path 按 RFC 6962 逐层计算"
    "（内部节点 = SHA-256(0x01 ‖ 左 ‖ 右)）应得到 tree_head.root_hash；再用平台公布的 Ed25519 公钥"
    "（GET /api/v1/signing-keys）验证 tree_head.signature，签名内容为 RFC 6962 TreeHeadSignature："
    "版本 0、类型 1、时间戳（毫秒）、树大小、根哈希。也可运行：chengxin audit check-proof 本文件")


@dataclass(frozen=True)
class SealResult:
    sealed: int  # entries sealed by this run
    tree_size: int
    root_hash: bytes
    head: TreeHead | None  # the head signed by this run; None when there was nothing to seal


def _to_ms(moment: datetime) -> datetime:
    """A head's time has the resolution it is signed with (RFC 6962: milliseconds)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def frontier_of(head: TreeHead | None) -> merkle.Frontier:
    if head is None:
        return merkle.Frontier()
    tree = merkle.Frontier.decode(head.tree_size, bytes(head.frontier))
    if tree.root() != bytes(head.root_hash):
        raise DomainError("AUDIT_FRONTIER_CORRUPT",
                          "最新签名树头保存的边界节点与其根哈希不符，请运行 chengxin audit verify", 500)
    return tree


def seal(session: Session, signer: Signer, now: datetime | None = None, *, late_window: timedelta = LATE_WINDOW,
         limit: int | None = None, chunk: int = CHUNK, progress: Callable[[int], None] | None = None) -> SealResult:
    """Seal the committed entries that are not leaves yet (at most about `limit` new ones) and
    sign the new tree head (idempotent: nothing to seal, no new head). Runs in the caller's
    transaction; sealers are serialised. `seal_all` seals a backlog in bounded transactions."""
    moment = _to_ms(now or utcnow())
    repo.lock_sealer(session)
    head = repo.latest_head(session)
    tree = frontier_of(head)
    max_seq = head.max_seq if head is not None else 0
    nodes: list[tuple[int, int, bytes]] = []
    keep = lambda level, index, h: nodes.append((level, index, h))  # noqa: E731
    sealed = 0

    def add(rows: list[tuple[Any, ...]]) -> None:
        nonlocal sealed
        leaves = []
        for row in rows:
            h = merkle.leaf_hash(leaf_data(row))
            leaves.append((tree.size, row[0], h, row[SUBJECT]))
            tree.append(h, keep, CACHE_LEVEL)
        repo.insert_leaves(session, leaves)
        repo.insert_nodes(session, nodes)
        nodes.clear()
        sealed += len(rows)
        if progress is not None:
            progress(sealed)

    # Entries that committed after the last seals although their seq is below what those sealed.
    add(repo.late_entries(session, repo.late_floor(session, moment - late_window), max_seq))
    while (want := chunk if limit is None else min(chunk, limit - sealed)) > 0:
        rows = repo.entries_after(session, max_seq, want)
        if rows:
            add(rows)
            max_seq = rows[-1][0]
        if len(rows) < want:
            break
    root = tree.root()
    if not sealed:
        return SealResult(0, tree.size, root, None)
    signature = signer.sign(head_message(head_timestamp(moment), tree.size, root))
    new = TreeHead(tree_size=tree.size, root_hash=root, signed_at=moment, key_id=signer.key_id,
                   signature=signature, frontier=tree.encode(), max_seq=max_seq)
    repo.add_head(session, new)
    return SealResult(sealed, tree.size, root, new)


def seal_all(factory: sessionmaker[Session], signer: Signer, *, batch: int = SEAL_BATCH,
             progress: Callable[[int], None] | None = None) -> SealResult:
    """Seal everything there is, one transaction (and one signed head) per `batch` entries, so a
    large backlog never holds SQLite's write lock, or a PostgreSQL transaction, for long."""
    total, head = 0, None
    while True:
        done = total
        with unit_of_work(factory) as session:
            result = seal(session, signer, limit=batch,
                          progress=None if progress is None else (lambda n, done=done: progress(done + n)))
        total += result.sealed
        head = result.head or head
        if result.sealed < batch:
            return SealResult(total, result.tree_size, result.root_hash, head)


def unsealed_problem(session: Session, now: datetime, allowed: timedelta) -> str | None:
    """What /healthz says when the log is not being sealed: the oldest entry left unsealed
    longer than `allowed` (the jobs seal every interval; a missing signing key, stopped jobs or
    a failing seal all show here the same way). None when sealing keeps up."""
    oldest = repo.oldest_unsealed_at(session)
    if oldest is None or now - oldest <= allowed:
        return None
    since, minutes = oldest.astimezone(CHINA), int(allowed.total_seconds() // 60)
    return (f"查询日志自 {since:%Y-%m-%d %H:%M}（北京时间）起的记录已超过 {minutes} 分钟未封存："
            "请检查签名密钥与定时任务（chengxin jobs run 或 chengxin audit seal）")


# --- proofs -------------------------------------------------------------------------------------


def audit_path(session: Session, index: int, size: int) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` leaves, from O(log n) cached subtree
    hashes and at most two blocks of 2**CACHE_LEVEL leaf hashes (missing cached nodes are
    recomputed from the level below)."""
    ranges = merkle.path_ranges(index, size)
    parts = [merkle.perfect_parts(lo, hi) for lo, hi in ranges]
    cached = repo.node_hashes(session, sorted({p for ps in parts for p in ps if p[0] >= CACHE_LEVEL}))
    blocks: dict[int, list[bytes]] = {}

    def leaves(lo: int, count: int) -> list[bytes]:
        block = lo >> CACHE_LEVEL
        if block not in blocks:
            start = block << CACHE_LEVEL
            blocks[block] = repo.leaf_hashes(session, start, min(start + (1 << CACHE_LEVEL), size))
        start = lo - (block << CACHE_LEVEL)
        got = blocks[block][start : start + count]
        if len(got) != count:
            raise DomainError("AUDIT_LEAVES_MISSING",
                              "封存的叶子不完整，无法生成证明；请运行 chengxin audit verify", 500)
        return got

    def perfect(level: int, idx: int) -> bytes:
        if level >= CACHE_LEVEL:
            found = cached.get((level, idx))
            if found is not None:
                return found
            return merkle.node_hash(perfect(level - 1, 2 * idx), perfect(level - 1, 2 * idx + 1))
        return merkle.root(leaves(idx << level, 1 << level))

    return [merkle.fold([perfect(*p) for p in ps]) for ps in parts]


def head_json(head: TreeHead) -> dict[str, Any]:
    stamp = head_timestamp(head.signed_at)
    return {"tree_size": head.tree_size, "root_hash": bytes(head.root_hash).hex(), "timestamp": stamp,
            "signed_at": at_text(head_moment(stamp)), "key_id": head.key_id,
            "signature": base64.b64encode(bytes(head.signature)).decode()}


def prove(session: Session, signer: Signer, seq: int, tree_size: int | None = None) -> dict[str, Any]:
    """The inclusion proof of entry `seq` in the latest signed tree head (or the head of
    `tree_size`), as a JSON document anyone can check offline (`rules.check_proof`)."""
    row = repo.entry_row(session, seq)
    if row is None:
        raise NotFound("ACCESS_ENTRY_NOT_FOUND", "查询记录不存在")
    data = leaf_data(row)
    entry = leaf_entry(data)
    leaf = repo.leaf_of_seq(session, seq)
    head = repo.latest_head(session) if tree_size is None else repo.head_of_size(session, tree_size)
    if tree_size is not None and head is None:
        raise NotFound("AUDIT_TREE_HEAD_NOT_FOUND", f"没有大小为 {tree_size} 的签名树头")
    if leaf is None or head is None or leaf.leaf_index >= head.tree_size:
        if leaf is not None and tree_size is not None:
            raise DomainError("AUDIT_NOT_IN_TREE", "该记录在这个签名树头之后才封存，请使用更新的树头", 409)
        return {"format": PROOF_FORMAT, "status": "pending", "status_label": STATUS_LABELS["pending"],
                "entry": entry}
    if merkle.leaf_hash(data) != bytes(leaf.leaf_hash):
        raise DomainError("AUDIT_ENTRY_ALTERED", "该查询记录与封存时的内容不一致，无法出具证明；请联系审计员", 409,
                          seq=seq)
    published = {k["key_id"]: k for k in signer.published()["keys"]}
    key = published.get(head.key_id)
    return {
        "format": PROOF_FORMAT, "status": "sealed", "status_label": STATUS_LABELS["sealed"],
        "entry": entry, "leaf_data": data.decode(), "leaf_hash": bytes(leaf.leaf_hash).hex(),
        "leaf_index": leaf.leaf_index, "tree_size": head.tree_size,
        "audit_path": [h.hex() for h in audit_path(session, leaf.leaf_index, head.tree_size)],
        "tree_head": head_json(head),
        "public_key": None if key is None else {"key_id": key["key_id"], "algorithm": key["algorithm"],
                                                "public_key": key["public_key"]},
        "how_to_verify": HOW_TO_VERIFY,
    }
