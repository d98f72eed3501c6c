"""Reading evidence uploads from a request without holding more than the limit in memory."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import Response

from chengxin.cases.models import EvidenceFile
from chengxin.cases.rules import Upload
from chengxin.errors import DomainError

FILE_RESPONSES: dict[int | str, dict[str, object]] = {200: {"description": "证明材料文件（附件下载）", "content": {
    "application/pdf": {"example": "%PDF-1.7 …"}, "image/png": {"example": "(PNG 图片)"},
    "image/jpeg": {"example": "(JPEG 图片)"}}}}


async def read_uploads(files: Sequence[UploadFile] | None, *, max_files: int, max_bytes: int) -> list[Upload]:
    """The files' bytes; a file over the limit is refused as soon as the limit is passed."""
    files = [f for f in files or () if f.filename or f.size]
    if len(files) > max_files:
        raise DomainError("EVIDENCE_TOO_MANY", f"证明材料最多 {max_files} 个文件", 413, limit=max_files)
    out = []
    for n, f in enumerate(files, start=1):
        content = await f.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise DomainError("EVIDENCE_TOO_LARGE", f"第 {n} 个证明材料超过 {max_bytes // (1024 * 1024)} MB", 413,
                              file=n)
        out.append(Upload(f.filename or "", content))
    return out


def download(row: EvidenceFile, content: bytes) -> Response:
    """The file as an attachment, never rendered inline by the browser."""
    return Response(content, media_type=row.media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
