"""Refused rows kept for the department to fix: where each issue is (label, source record number)
and the sealed copy of each refused row with its reasons. Pure, apart from the cipher."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chengxin import ids
from chengxin.catalog.rules import RESERVED_FIELDS, Catalog, CatalogItem
from chengxin.crypto import Keys
from chengxin.records.rules import Issue, ValidatedRows

# Where a row is: its item code and its source record number, by row number.
Where = dict[int, tuple[str | None, str | None]]


def context(row_id: str) -> bytes:
    """What a refused row's ciphertext is bound to (keyring.rules.CIPHERS says the same)."""
    return f"rejected:{row_id}".encode()


def item_of(catalog: Catalog, code: str | None) -> CatalogItem | None:
    if not code:
        return None
    return catalog.item(code) or catalog.item_by_name(code)


def label_of(catalog: Catalog, item_code: str | None, field: str | None) -> str | None:
    """The Chinese label of a field in the row's own item (then the envelope's); an unknown
    column keeps its own header text."""
    if not field:
        return None
    item = item_of(catalog, item_code)
    spec = item.by_name.get(field) if item is not None else None
    if spec is not None:
        return spec.label
    return RESERVED_FIELDS.get(field, field)[:64]


def where_of(checked: ValidatedRows, default_item: str | None) -> Where:
    """The item and source record number of each refused row."""
    where: Where = {}
    for number, values in checked.refused:
        sid = (values.get("source_record_id") or "").strip()[:64] or None
        where[number] = ((values.get("item_code") or "").strip() or default_item, sid)
    return where


def where_valid(checked: ValidatedRows, rows: set[int]) -> Where:
    """The item and source record number of the valid rows among `rows` (those with a warning: a
    clean chunk costs nothing here)."""
    if not rows:
        return {}
    return {r.row: (r.item.code, r.source_record_id) for r in checked.valid if r.row in rows}


def notes(catalog: Catalog, issues: Iterable[Issue], where: Where) -> list[tuple[str | None, str | None]]:
    """(label, source record number) of each issue, in order."""
    out = []
    for i in issues:
        item_code, sid = where.get(i.row, (None, None))
        out.append((label_of(catalog, item_code, i.field), sid))
    return out


def sealed_rows(keys: Keys, catalog: Catalog, checked: ValidatedRows, where: Where, batch_id: str,
                expires_at: datetime) -> list[dict[str, Any]]:
    """The rows of `rejected_rows` for a chunk's refused rows: values and reasons encrypted."""
    if not checked.refused:
        return []
    reasons: dict[int, list[list[str | None]]] = defaultdict(list)
    for i in checked.issues:
        if i.level == "error":
            reasons[i.row].append([i.field, label_of(catalog, where.get(i.row, (None,))[0], i.field), i.message])
    rows = []
    for (number, values), row_id in zip(checked.refused, ids.new_ids(len(checked.refused)), strict=True):
        item_code = where.get(number, (None, None))[0]
        plain = json.dumps({"values": values, "reasons": reasons.get(number, [])}, ensure_ascii=False)
        rows.append({"id": row_id, "batch_id": batch_id, "row": number, "item_code": (item_code or "")[:32] or None,
                     "content_cipher": keys.encrypt(plain, context(row_id)), "expires_at": expires_at})
    return rows


@dataclass(frozen=True, slots=True)
class Refused:
    """A refused row opened for its department: row number, item, values as sent, reasons."""

    row: int
    item_code: str | None
    values: dict[str, str]
    reasons: list[tuple[str | None, str | None, str]]  # (field, label, message)

    @property
    def reason_text(self) -> str:
        return "；".join(m for _, _, m in self.reasons)


def opened(keys: Keys, row_id: str, row: int, item_code: str | None, cipher: bytes) -> Refused:
    doc = json.loads(keys.decrypt(bytes(cipher), context(row_id)))
    return Refused(row, item_code, doc["values"], [tuple(r) for r in doc["reasons"]])  # type: ignore[misc]
