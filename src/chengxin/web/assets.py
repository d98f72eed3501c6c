"""Static files: served under content-hashed addresses, cached for a year, compressed once.

A page names a file with `static_url("site.css")`, which is `/static/site.css?v=<hash>` (the first
12 hex digits of the file's SHA-256). An answer to that exact address may be kept for a year
(`immutable`): a changed file gets a new address. Any other address of the file (no `v`, or an old
one) is answered with `no-cache` and an ETag, so a browser checks back. Text files (CSS, JS, SVG,
JSON, licences) go out gzip-compressed to a browser that accepts it: compressed once, on first
use, and kept in memory. Only files present at start-up are served (no path from the request ever
reaches the file system).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

from starlette.types import Receive, Scope, Send

YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={YEAR}, immutable".encode()
REVALIDATE = b"no-cache"
_TEXT = "text/plain; charset=utf-8"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
          ".json": "application/json", ".md": _TEXT, ".txt": _TEXT, ".LICENSE": _TEXT, ".NOTICE": _TEXT,
          ".LICENSE-d3": _TEXT}
COMPRESSIBLE = frozenset(_TYPES)


@dataclass
class Asset:
    path: Path
    digest: str
    media_type: str
    compressible: bool
    _gzip: bytes | None = field(default=None, repr=False)
    _raw: bytes | None = field(default=None, repr=False)

    @property
    def etag(self) -> bytes:
        return f'"{self.digest}"'.encode()

    def body(self, gzipped: bool) -> bytes:
        if self._raw is None:
            self._raw = self.path.read_bytes()
        if not gzipped:
            return self._raw
        if self._gzip is None:  # a race only compresses twice
            self._gzip = gzip.compress(self._raw, compresslevel=9, mtime=0)
        return self._gzip


class StaticAssets:
    """The ASGI app mounted at /static."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.assets: dict[str, Asset] = {}
        for path in sorted(directory.rglob("*")):
            if not path.is_file():
                continue
            name = path.relative_to(directory).as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            kind = _TYPES.get(path.suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.assets[name] = Asset(path, digest, kind, path.suffix in COMPRESSIBLE)

    def warm(self) -> None:
        """Compress every text file now (at start-up, off the request path)."""
        for asset in self.assets.values():
            if asset.compressible:
                asset.body(True)

    def url(self, name: str) -> str:
        """The address of a static file, with its content hash (a file that does not exist is a bug)."""
        return f"/static/{name}?v={self.assets[name].digest}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        name = scope["path"].removeprefix(scope.get("root_path", "")).removeprefix("/")  # mounted at /static
        asset = self.assets.get(name)
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, b"method not allowed", [(b"allow", b"GET, HEAD")])
            return
        if asset is None:
            await _plain(send, 404, b"not found")
            return
        query = scope.get("query_string", b"").decode("latin-1")
        current = f"v={asset.digest}" in query.split("&")
        headers = dict((k.lower(), v) for k, v in scope["headers"])
        gzipped = asset.compressible and b"gzip" in headers.get(b"accept-encoding", b"")
        out = [(b"cache-control", IMMUTABLE if current else REVALIDATE), (b"etag", asset.etag)]
        if asset.compressible:
            out.append((b"vary", b"accept-encoding"))
        if asset.etag in headers.get(b"if-none-match", b""):
            await send({"type": "http.response.start", "status": 304, "headers": out})
            await send({"type": "http.response.body", "body": b""})
            return
        body = asset.body(gzipped)
        out += [(b"content-type", asset.media_type.encode()), (b"content-length", str(len(body)).encode())]
        if gzipped:
            out.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": out})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


async def _plain(send: Send, status: int, text: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"),
                            (b"content-length", str(len(text)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": text})


STATIC = Path(__file__).parent / "static"
ASSETS = StaticAssets(STATIC)
