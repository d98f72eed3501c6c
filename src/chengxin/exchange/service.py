"""Exchange use cases: send the feed to a neighbour (service or file mode), receive a batch, take a
receipt, reconcile, re-send, and say how each neighbour stands.

The boundary owns the transaction: each step here opens its own unit of work through the given
factory (numbering, marking sent, applying a batch, taking a receipt), so a process killed
between two steps leaves the database at the end of one of them, and the next round goes on
from there: a change is never numbered twice, a batch is applied whole or not at all, and a
batch sent again is applied once.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from chengxin import ids
from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA, today, utcnow
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.exchange import feed, rules
from chengxin.exchange import repository as repo
from chengxin.exchange.apply import Applier
from chengxin.exchange.models import Reconciliation, Refusal
from chengxin.signing import Signer

# A neighbour that does not answer must not hold up the others for long: 5 s to connect.
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
RECONCILE_DAYS = 7  # what a daily reconciliation compares: the last week, by category and day
Progress = Callable[[int], None]


@dataclass(slots=True)
class Round:
    """What one round with one neighbour did."""

    neighbour: str
    numbered: int = 0
    sent: int = 0
    acked_through: int = 0
    files_written: int = 0
    files_read: int = 0
    error: str | None = None


# --- sending -------------------------------------------------------------------------------------

@dataclass(slots=True)
class Prepared:
    """A batch ready to go: its bytes, its range, and (row id, digest, category) of its changes."""

    numbered: int
    data: bytes | None = None
    first: int = 0
    last: int = 0
    sent: list[tuple[int, str, str]] | None = None


def prepare(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
            neighbour: rules.Neighbour, *, after: int, batch: int) -> Prepared:
    """Number what is owed (a short write), then build the next batch after `after` from what its
    changes name (a read: no lock held while bodies are built and sealed)."""
    numbered = 0
    with unit_of_work(factory, writes=False) as session:
        owed = repo.unnumbered_ids(session, neighbour.code, 1)
    if owed:  # a writing transaction only when there is something to number (SQLite: the write lock)
        with unit_of_work(factory) as session:
            numbered = feed.number(session, neighbour.code, batch, today())
    with unit_of_work(factory, writes=False) as session:
        rows = repo.to_send(session, neighbour.code, after, batch, unsent_only=neighbour.mode == rules.FILE)
        built = feed.bodies(session, keys, catalog, node, rows) if rows else []
    if not rows:
        return Prepared(numbered)
    changes = [body for body, _ in built]
    for body in changes:  # each change carries its fingerprint: both ends count it the same way
        body["digest"] = rules.digest(body)
    data = rules.build_batch(sender=(node.code, node.name, signer.key_id), receiver=neighbour.code,
                             changes=changes, recipient_key=neighbour.public_key, sign=signer.sign,
                             created_at=utcnow(), agreement=neighbour.agreement)
    return Prepared(numbered, data, rows[0].seq, rows[-1].seq,
                    [(r.id, body["digest"], category) for r, (body, category) in zip(rows, built, strict=True)])


def send_round(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
               neighbour: rules.Neighbour, *, batch: int, max_batches: int = 1_000_000,
               progress: Progress | None = None) -> Round:
    """Send what is owed, a batch at a time: service mode posts batches until the neighbour has
    confirmed everything, building the next batch while the neighbour applies the one in flight;
    file mode writes batch files for what was not yet written, then reads the neighbour's receipts."""
    out = Round(neighbour.code)
    if neighbour.mode == rules.FILE:
        _write_files(factory, keys, catalog, signer, node, neighbour, batch, max_batches, out, progress)
        out.files_read += read_receipts(factory, node, neighbour, signer)
        return out
    with unit_of_work(factory, writes=False) as session:
        after = repo.acked_through(session, neighbour.code)
    ready = prepare(factory, keys, catalog, signer, node, neighbour, after=after, batch=batch)
    out.numbered += ready.numbered
    with ThreadPoolExecutor(1, thread_name_prefix="chengxin-exchange-post") as pool:
        for _ in range(max_batches):
            if ready.data is None:
                break
            posting = pool.submit(_post, neighbour, ready.data)
            following = prepare(factory, keys, catalog, signer, node, neighbour, after=ready.last, batch=batch)
            out.numbered += following.numbered
            try:
                receipt = posting.result()
            except DomainError as exc:
                _failed(factory, neighbour.code, exc, ready.first, ready.last)
                out.error = f"{exc.code}：{exc.message}"
                break
            assert ready.sent is not None
            with unit_of_work(factory) as session:
                repo.mark_sent(session, ready.sent, utcnow())
                take_receipt(session, node, neighbour, receipt)
                out.acked_through = repo.peer(session, neighbour.code).acked_through
            out.sent += len(ready.sent)
            if progress:
                progress(len(ready.sent))
            if out.acked_through < ready.last:  # it has less than it was sent: go on from where it says
                following = prepare(factory, keys, catalog, signer, node, neighbour, after=out.acked_through,
                                    batch=batch)
            ready = following
    return out


def _write_files(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
                 neighbour: rules.Neighbour, batch: int, max_batches: int, out: Round,
                 progress: Progress | None) -> None:
    for _ in range(max_batches):
        with unit_of_work(factory, writes=False) as session:
            after = repo.acked_through(session, neighbour.code)
        ready = prepare(factory, keys, catalog, signer, node, neighbour, after=after, batch=batch)
        out.numbered += ready.numbered
        if ready.data is None:
            return
        _write_file(neighbour, rules.batch_file_name(node.code, neighbour.code, ready.first, ready.last), ready.data)
        assert ready.sent is not None
        with unit_of_work(factory) as session:
            repo.mark_sent(session, ready.sent, utcnow())
            repo.peer(session, neighbour.code, lock=True).last_sent_at = utcnow()
        out.files_written += 1
        out.sent += len(ready.sent)
        if progress:
            progress(len(ready.sent))


def _post(neighbour: rules.Neighbour, data: bytes) -> dict[str, Any]:
    try:
        res = httpx.post(f"{neighbour.url}/api/v1/exchange/batches", content=data, timeout=HTTP_TIMEOUT,
                         headers={"content-type": "application/json"})
    except httpx.HTTPError as exc:
        raise DomainError("EXCHANGE_UNREACHABLE", f"无法连接{neighbour.name}：{why_unreachable(exc)}", 502) from None
    try:
        doc = res.json()
    except ValueError:
        doc = None
    if res.status_code == 200 and isinstance(doc, dict):
        return doc
    if isinstance(doc, dict) and doc.get("code") == "EXCHANGE_BATCH_OUT_OF_ORDER" and "receipt" in doc:
        return doc["receipt"]  # it says from where it wants the feed: a signed receipt of what it has
    code = doc.get("code") if isinstance(doc, dict) else None
    detail = doc.get("detail") if isinstance(doc, dict) else None
    raise DomainError(str(code or "EXCHANGE_REFUSED")[:48], f"{neighbour.name}拒收（HTTP {res.status_code}）"
                      + (f"：{str(detail)[:300]}" if detail else ""), 502)


def why_unreachable(exc: Exception) -> str:
    """An HTTP failure in the words an operator reads."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "连接超时（对方地址不通或被防火墙拦截）"
    if isinstance(exc, httpx.TimeoutException):
        return "对方超时未答复"
    if isinstance(exc, httpx.ConnectError):
        return "连接被拒绝或地址无法解析（对方服务未启动、地址或端口有误）"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "对方的答复不完整（连接中断）"
    return "网络错误"


def _failed(factory: sessionmaker[Session], code: str, exc: DomainError, first: int, last: int) -> None:
    with unit_of_work(factory) as session:
        peer = repo.peer(session, code, lock=True)
        peer.last_error_code, peer.last_error, peer.last_error_at = exc.code[:48], exc.message, utcnow()
        if exc.code != "EXCHANGE_UNREACHABLE" and not repo.same_refusal(session, code, exc.code, first, last):
            repo.add_refusal(session, Refusal(id=ids.new_id(), direction="out", neighbour=code, at=utcnow(),
                                              code=exc.code[:48], message=exc.message, first_seq=first,
                                              last_seq=last, source="service", sha256=None))


def take_receipt(session: Session, node: rules.Node, neighbour: rules.Neighbour, doc: Any) -> int:
    """Take a neighbour's signed receipt: the changes through its number are confirmed. A
    neighbour that has less than we thought (restored from a backup) gets the rest again."""
    body = rules.verify_signed(doc, rules.RECEIPT_TYPE, neighbour.public_key)
    if body.get("sender") != node.code or body.get("receiver") != neighbour.code:
        raise DomainError("EXCHANGE_RECEIPT_MISMATCH", "回执的发送方或接收方与本平台不符", 502)
    through = int(body["applied_through"])
    peer = repo.peer(session, neighbour.code, lock=True)
    now = utcnow()
    if through < peer.acked_through:
        repo.unsend(session, neighbour.code, through + 1)
        peer.acked_through = through
    elif through > peer.acked_through:
        repo.mark_acked(session, neighbour.code, peer.acked_through, min(through, peer.last_seq), now)
        peer.acked_through = min(through, peer.last_seq)
    if neighbour.mode == rules.FILE and body.get("batch") and int(body["batch"][0]) > through + 1:
        repo.unsend(session, neighbour.code, through + 1)  # a file went missing on the way: send it again
    peer.last_ack_at = now
    peer.last_error_code = peer.last_error = peer.last_error_at = None
    return through


def resend(session: Session, neighbour: str, from_seq: int) -> int:
    """Send a neighbour its feed again from a number (it lost files, or was restored)."""
    peer = repo.peer(session, neighbour, lock=True)
    peer.acked_through = min(peer.acked_through, max(from_seq - 1, 0))
    return repo.unsend(session, neighbour, from_seq)


# --- receiving -----------------------------------------------------------------------------------

def receive(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
            data: bytes, source: str, *, waits: bool = False) -> dict[str, Any]:
    """Verify a batch and apply it whole, in one transaction; answer with a signed receipt.
    A batch refused (unknown sender, bad signature, tampered, addressed elsewhere, out of order)
    applies nothing and is noted with its reason. With `waits` (a file in an inbox, read again
    next round) a batch whose predecessors are missing is not refused, only left: noting it would
    show a refusal of a file that applies later, once per round while it waits."""
    sha = hashlib.sha256(data).hexdigest()
    try:
        batch = rules.open_batch(data, own_code=node.code, own_seed=signer.seed(), neighbours=node.by_code)
    except DomainError as exc:
        _refused(factory, exc, data, source, sha)
        raise
    with unit_of_work(factory) as session:
        peer = repo.peer(session, batch.sender, lock=True)
        expected = peer.applied_through + 1
        if batch.first > expected:
            receipt = _receipt(node, signer, batch.sender, peer.applied_through, None, [])
            gap = DomainError("EXCHANGE_BATCH_OUT_OF_ORDER",
                              f"批次从第 {batch.first} 号变更开始，本平台尚缺第 {expected}–{batch.first - 1} 号："
                              "请先发送缺少的批次", 409, expected=expected, receipt=receipt)
        else:
            gap = None
            todo = [c for c in batch.changes if c["seq"] >= expected]
            rejected = Applier(session, keys, catalog, node, batch.sender).apply(todo) if todo else []
            peer.applied_through = max(peer.applied_through, batch.last)
            peer.last_received_at = utcnow()
            receipt = _receipt(node, signer, batch.sender, peer.applied_through, (batch.first, batch.last), rejected)
    if gap is not None:
        if not waits:
            _refused(factory, gap, data, source, sha, batch.first, batch.last)
        raise gap
    return receipt


def _receipt(node: rules.Node, signer: Signer, sender: str, through: int, batch: tuple[int, int] | None,
             rejected: list[tuple[int, str]]) -> dict[str, Any]:
    return rules.build_receipt(receiver=node.code, sender=sender, applied_through=through, batch=batch,
                               rejected=rejected, at=utcnow(), key_id=signer.key_id, sign=signer.sign)


def _refused(factory: sessionmaker[Session], exc: DomainError, data: bytes, source: str, sha: str,
             first: int | None = None, last: int | None = None) -> None:
    sender = None
    try:
        manifest = rules.read_manifest(data)[0]
        sender = str(manifest["sender"]["code"])[:6]
        first, last = first or int(manifest["first_seq"]), last or int(manifest["last_seq"])
    except DomainError:
        pass
    with unit_of_work(factory) as session:
        repo.add_refusal(session, Refusal(id=ids.new_id(), direction="in", neighbour=sender, at=utcnow(),
                                          code=exc.code[:48], message=exc.message, first_seq=first, last_seq=last,
                                          source=source[:255], sha256=sha))


# --- file mode -----------------------------------------------------------------------------------

def _write_file(neighbour: rules.Neighbour, name: str, data: bytes) -> Path:
    """Write a file whole or not at all: a reader on the other side never sees half of it."""
    assert neighbour.outbox is not None
    neighbour.outbox.mkdir(parents=True, exist_ok=True)
    final = neighbour.outbox / name
    part = neighbour.outbox / f".{name}.part"
    with open(part, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, final)
    return final


def _move(path: Path, folder: str) -> None:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    os.replace(path, target / path.name)


@dataclass(slots=True)
class Imported:
    applied: int = 0
    duplicates: int = 0
    waiting: list[str] | None = None
    refused: list[tuple[str, str, str]] | None = None  # (file, code, message)


def import_inbox(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
                 neighbour: rules.Neighbour, *, max_bytes: int, progress: Progress | None = None) -> Imported:
    """Read the neighbour's batch files from its inbox in number order: each applied whole (moved to
    done/, a signed receipt written to its outbox), refused whole with the reason (moved to
    refused/), or, when an earlier file has not arrived yet, left waiting."""
    out = Imported(waiting=[], refused=[])
    assert neighbour.inbox is not None and out.waiting is not None and out.refused is not None
    if not neighbour.inbox.is_dir():
        return out
    for path in _arriving(neighbour.inbox, f"{neighbour.code}-{node.code}-*.batch.json"):
        if path.stat().st_size > max_bytes:
            exc = DomainError("EXCHANGE_BATCH_TOO_LARGE", f"批次文件超过 {max_bytes} 字节", 413)
            _refused(factory, exc, b"", path.name, "")
            out.refused.append((path.name, exc.code, exc.message))
            _move(path, "refused")
            continue
        data = path.read_bytes()
        try:
            with unit_of_work(factory, writes=False) as session:
                before = repo.applied_through(session, neighbour.code)
            receipt = receive(factory, keys, catalog, signer, node, data, path.name, waits=True)
        except DomainError as exc:
            if exc.code == "EXCHANGE_BATCH_OUT_OF_ORDER":
                out.waiting.append(path.name)
                continue
            out.refused.append((path.name, exc.code, exc.message))
            _move(path, "refused")
            continue
        through = int(receipt["applied_through"])
        batch = receipt.get("batch") or [0, 0]
        fresh = max(0, through - max(before, int(batch[0]) - 1))
        out.applied += fresh
        out.duplicates += (int(batch[1]) - int(batch[0]) + 1) - fresh
        _write_file(neighbour, rules.receipt_file_name(neighbour.code, node.code, through),
                    json.dumps(receipt, ensure_ascii=False).encode())
        _move(path, "done")
        if progress:
            progress(1)
    if out.applied:  # file mode reconciles by statements: ours of what we applied from it, the last week
        day = today()
        with unit_of_work(factory, writes=False) as session:
            doc = statement(session, node, signer, neighbour.code, day - timedelta(days=RECONCILE_DAYS - 1), day)
        _write_file(neighbour, rules.statement_file_name(neighbour.code, node.code, day.isoformat()),
                    json.dumps(doc, ensure_ascii=False).encode())
    return out


def _arriving(folder: Path, pattern: str) -> Iterator[Path]:
    """The files in number order, looking again when done: those that arrived while the first were
    applied are taken in the same round (a file left waiting is looked at once a round)."""
    seen: set[str] = set()
    while True:
        files = sorted(p for p in folder.glob(pattern) if p.is_file() and p.name not in seen)
        if not files:
            return
        for path in files:
            seen.add(path.name)
            yield path


def read_receipts(factory: sessionmaker[Session], node: rules.Node, neighbour: rules.Neighbour,
                  signer: Signer) -> int:
    """Take the signed receipts the neighbour left in its inbox for us, and reconcile with the
    statements it left there."""
    assert neighbour.inbox is not None
    if not neighbour.inbox.is_dir():
        return 0
    count = 0
    for path in sorted(neighbour.inbox.glob(f"{node.code}-{neighbour.code}-*.receipt.json")):
        try:
            doc = json.loads(path.read_bytes())
            with unit_of_work(factory) as session:
                take_receipt(session, node, neighbour, doc)
        except (DomainError, ValueError) as exc:
            with unit_of_work(factory) as session:
                repo.add_refusal(session, Refusal(
                    id=ids.new_id(), direction="in", neighbour=neighbour.code, at=utcnow(),
                    code=getattr(exc, "code", "EXCHANGE_RECEIPT_MALFORMED")[:48],
                    message=getattr(exc, "message", "回执文件无法读取"), first_seq=None, last_seq=None,
                    source=path.name, sha256=None))
            _move(path, "refused")
            continue
        _move(path, "done")
        count += 1
    for path in sorted(neighbour.inbox.glob(f"{node.code}-{neighbour.code}-*.statement.json")):
        try:
            theirs = json.loads(path.read_bytes())
        except ValueError:
            theirs = {}
        reconcile(factory, node, signer, neighbour, today(), today(), theirs=theirs)
        _move(path, "done")
    return count


# --- reconciliation ------------------------------------------------------------------------------

def summarise(rows: list[tuple[str, date, str]]) -> dict[str, list[Any]]:
    """Counts and a hash per category and day ("category|day" → [count, sha256 of sorted digests])."""
    groups: dict[str, list[str]] = {}
    for category, day, digest in rows:
        groups.setdefault(f"{category}|{day.isoformat()}", []).append(digest)
    return {k: [len(v), hashlib.sha256("".join(sorted(v)).encode()).hexdigest()[:32]] for k, v in groups.items()}


def statement(session: Session, node: rules.Node, signer: Signer, sender: str, day_from: date,
              day_to: date) -> dict[str, Any]:
    """Our signed account of what we applied from `sender` in the days."""
    return rules.sign_document({
        "type": rules.RECONCILE_TYPE, "receiver": node.code, "sender": sender, "day_from": day_from.isoformat(),
        "day_to": day_to.isoformat(), "days": summarise(repo.applied_digests(session, sender, day_from, day_to)),
        "at": utcnow().isoformat()}, signer.sign)


def compare(ours: dict[str, list[Any]], theirs: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Where the two accounts differ, by category and day."""
    out = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key), theirs.get(key)
        if a != b:
            category, _, day = key.partition("|")
            out.append({"category": category, "day": day, "ours": a, "theirs": b})
    return out


def reconcile(factory: sessionmaker[Session], node: rules.Node, signer: Signer, neighbour: rules.Neighbour,
              day_from: date, day_to: date, theirs: dict[str, Any] | None = None) -> Reconciliation:
    """Compare what we sent the neighbour (and it confirmed) with its signed statement of what it
    applied: service mode asks for the statement, file mode reads the one it sent."""
    try:
        if theirs is None:
            theirs = _ask_statement(node, signer, neighbour, day_from, day_to)
        body = rules.verify_signed(theirs, rules.RECONCILE_TYPE, neighbour.public_key)
        if body.get("receiver") != neighbour.code or body.get("sender") != node.code:
            raise DomainError("EXCHANGE_RECEIPT_MISMATCH", "对账单的发送方或接收方与本平台不符", 502)
        day_from, day_to = date.fromisoformat(body["day_from"]), date.fromisoformat(body["day_to"])
        with unit_of_work(factory, writes=False) as session:
            ours = summarise(repo.sent_digests(session, neighbour.code, day_from, day_to))
        diff = compare(ours, body.get("days") or {})
        status, details = ("drift" if diff else "ok"), diff
    except DomainError as exc:
        status, details = "failed", {"code": exc.code, "message": exc.message}
    row = Reconciliation(id=ids.new_id(), neighbour=neighbour.code, at=utcnow(), day_from=day_from, day_to=day_to,
                         status=status, details=details)
    with unit_of_work(factory) as session:
        repo.add_reconciliation(session, row)
    return row


def reconcile_if_due(factory: sessionmaker[Session], node: rules.Node, signer: Signer,
                     neighbour: rules.Neighbour) -> Reconciliation | None:
    """The daily reconciliation with a service-mode neighbour: once a day, the last week."""
    day = today()
    with unit_of_work(factory, writes=False) as session:
        last = repo.last_reconciliations(session).get(neighbour.code)
    if neighbour.mode != rules.SERVICE or (last is not None and last.at.astimezone(CHINA).date() == day):
        return None
    return reconcile(factory, node, signer, neighbour, day - timedelta(days=RECONCILE_DAYS - 1), day)


def _ask_statement(node: rules.Node, signer: Signer, neighbour: rules.Neighbour, day_from: date,
                   day_to: date) -> dict[str, Any]:
    if neighbour.mode != rules.SERVICE:
        raise DomainError("EXCHANGE_STATEMENT_MISSING", "文件方式的对账须读取对方发来的对账单文件", 422)
    ask = rules.sign_document({"type": rules.RECONCILE_TYPE, "sender": node.code, "receiver": neighbour.code,
                               "day_from": day_from.isoformat(), "day_to": day_to.isoformat(),
                               "at": utcnow().isoformat(), "ask": True}, signer.sign)
    try:
        res = httpx.post(f"{neighbour.url}/api/v1/exchange/statements", json=ask, timeout=HTTP_TIMEOUT)
        doc = res.json()
    except (httpx.HTTPError, ValueError):
        raise DomainError("EXCHANGE_UNREACHABLE", f"无法从{neighbour.name}取得对账单", 502) from None
    if res.status_code != 200:
        raise DomainError(str(doc.get("code") or "EXCHANGE_REFUSED")[:48], str(doc.get("detail") or "")[:300], 502)
    return doc


def answer_statement(factory: sessionmaker[Session], node: rules.Node, signer: Signer, doc: Any) -> dict[str, Any]:
    """A neighbour asks for our statement of what we applied from it (signed by it)."""
    sender = str(doc.get("sender")) if isinstance(doc, dict) else ""
    neighbour = node.neighbour(sender)
    if neighbour is None:
        raise DomainError("EXCHANGE_SENDER_UNKNOWN", "请求方不是本平台配置的相邻平台", 403)
    body = rules.verify_signed(doc, rules.RECONCILE_TYPE, neighbour.public_key)
    if body.get("receiver") != node.code:
        raise DomainError("EXCHANGE_RECEIVER_MISMATCH", "对账请求不是发给本平台的", 422)
    try:
        day_from, day_to = date.fromisoformat(body["day_from"]), date.fromisoformat(body["day_to"])
    except (KeyError, ValueError):
        raise DomainError("EXCHANGE_SIGNED_MALFORMED", "对账请求的日期无效", 422) from None
    if not timedelta(0) <= day_to - day_from <= timedelta(days=366):
        raise DomainError("EXCHANGE_SIGNED_MALFORMED", "对账期间应在一年以内", 422)
    with unit_of_work(factory, writes=False) as session:
        return statement(session, node, signer, sender, day_from, day_to)


# --- status --------------------------------------------------------------------------------------

@dataclass(slots=True)
class NeighbourStatus:
    neighbour: rules.Neighbour
    last_seq: int
    acked_through: int
    applied_through: int
    backlog: int
    lag_seconds: float | None  # age of the oldest change it has not confirmed
    last_ack_at: datetime | None
    last_received_at: datetime | None
    last_error: str | None
    reconciliation: Reconciliation | None


def status(session: Session, node: rules.Node) -> list[NeighbourStatus]:
    peers = repo.peers(session)
    recs = repo.last_reconciliations(session)
    now = utcnow()
    out = []
    for n in node.neighbours:
        p = peers.get(n.code)
        oldest = repo.oldest_unacked(session, n.code)
        out.append(NeighbourStatus(
            n, p.last_seq if p else 0, p.acked_through if p else 0, p.applied_through if p else 0,
            repo.backlog(session, n.code), (now - oldest).total_seconds() if oldest else None,
            p.last_ack_at if p else None, p.last_received_at if p else None,
            f"{p.last_error_code}：{p.last_error}" if p and p.last_error_code else None, recs.get(n.code)))
    return out


def refusals(session: Session, limit: int = 50) -> list[Refusal]:
    return repo.refusals(session, limit)
