"""Pure rules shared by objections and repairs: evidence files and who acted."""

from __future__ import annotations

import os
from dataclasses import dataclass

from chengxin.errors import DomainError

# Evidence is checked by its first bytes, not by the name or the declared type.
MEDIA_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
ACTOR_LABELS = {"public": "举报人", "person": "本人", "agent": "受托机构", "department": "报送部门",
                "operator": "信用办", "system": "系统"}


@dataclass(frozen=True, slots=True)
class Upload:
    """An evidence file as received: its name and bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CheckedUpload:
    filename: str
    media_type: str
    content: bytes


def sniff(content: bytes) -> str | None:
    """The media type the bytes really are, among the accepted ones."""
    for media, magics in MEDIA_TYPES.items():
        if any(content.startswith(m) for m in magics):
            return media
    return None


def safe_name(filename: str, media_type: str) -> str:
    """The base name only (no directories, no control characters), at most 120 characters."""
    base = os.path.basename((filename or "").replace("\\", "/"))
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(". ")
    return (base or f"evidence{EXTENSIONS[media_type]}")[:120]


def check_uploads(uploads: list[Upload], *, max_files: int, max_bytes: int) -> list[CheckedUpload]:
    """All files valid, or a clear error naming the first bad one (nothing is stored then)."""
    if len(uploads) > max_files:
        raise DomainError("EVIDENCE_TOO_MANY", f"证明材料最多 {max_files} 个文件", 413, limit=max_files)
    out = []
    for n, up in enumerate(uploads, start=1):
        if not up.content:
            raise DomainError("EVIDENCE_EMPTY", f"第 {n} 个证明材料是空文件", 422, file=n)
        if len(up.content) > max_bytes:
            raise DomainError("EVIDENCE_TOO_LARGE",
                              f"第 {n} 个证明材料超过 {max_bytes // (1024 * 1024)} MB", 413, file=n)
        media = sniff(up.content)
        if media is None:
            raise DomainError("EVIDENCE_TYPE", f"第 {n} 个证明材料不是 PDF、PNG 或 JPEG 文件", 415, file=n)
        out.append(CheckedUpload(safe_name(up.filename, media), media, up.content))
    return out


def actor_label(actor: str) -> str:
    """"department:market_regulation" -> "市市场监督管理局": a department by its name (the packaged
    catalog's, a code only when it names none), an agent by its credit code, anyone else by role."""
    kind, _, who = actor.partition(":")
    label = ACTOR_LABELS.get(kind, kind)
    if kind == "department" and who:
        from chengxin.catalog.rules import default_catalog

        return default_catalog().departments.get(who) or f"{label}（{who}）"
    return f"{label}（{who}）" if who and kind == "agent" else label
