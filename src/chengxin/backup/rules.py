"""The backup manifest: what a backup holds, checked again after a restore. No secrets, ever."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MANIFEST = "manifest.json"
FORMAT = 1
PAYLOADS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KEY_NOTE = ("备份不含密钥文件（keys.json）或环境变量中的密钥：没有它们，备份中加密的证件号码无法解密，"
            "按证件号码也查不到任何人。请把密钥文件另行、安全地备份，且不要与数据库备份放在一起。")


@dataclass(frozen=True, slots=True)
class Mismatch:
    table: str
    expected: int | None
    found: int | None

    def line(self) -> str:
        if self.expected is None:
            return f"{self.table}：备份中没有此表，恢复后有 {self.found} 行"
        if self.found is None:
            return f"{self.table}：恢复后缺少此表（备份中 {self.expected} 行）"
        return f"{self.table}：备份中 {self.expected} 行，恢复后 {self.found} 行"


def manifest(*, created_at: str, dialect: str, revisions: list[str], tables: Mapping[str, int],
             payload_sha256: str, version: str, tree_head: Mapping[str, Any] | None,
             key_check: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"format": FORMAT, "created_at": created_at, "database": dialect, "payload": PAYLOADS[dialect],
            "payload_sha256": payload_sha256, "alembic_revisions": sorted(revisions),
            "tables": dict(sorted(tables.items())), "rows": sum(tables.values()), "app_version": version,
            "tree_head": dict(tree_head) if tree_head else None, "keys": KEY_NOTE,
            "key_check": dict(key_check) if key_check is not None else None}


def compare_counts(expected: Mapping[str, int], found: Mapping[str, int]) -> list[Mismatch]:
    """Tables whose row count after a restore differs from the manifest's."""
    names = sorted(set(expected) | set(found))
    return [Mismatch(n, expected.get(n), found.get(n)) for n in names if expected.get(n) != found.get(n)]
