"""/docs in real Chromium: Swagger UI from the platform's own hashed, gzipped, year-cached files, the API
document compressed, nothing from another origin, no console or CSP error (issue 15: /docs loads fast)."""

from __future__ import annotations

import re

from browser_tab import Tab
from playwright.sync_api import expect

DESK = {"viewport": {"width": 1280, "height": 800}}


def test_the_api_docs_load_hashed_compressed_and_cached_files(browser, live):
    tab = Tab(browser, live, **DESK)
    try:
        answers = []
        tab.page.on("response", lambda r: answers.append(r))
        tab.go("/docs")
        expect(tab.page.locator(".opblock").first).to_be_visible(timeout=15_000)
        urls = [r.url for r in answers]
        assert all(u.startswith(live.url) for u in urls), urls  # nothing from another origin
        static = [r for r in answers if "/static/" in r.url]
        assert {re.sub(r"\?.*", "", r.url.rsplit("/", 1)[1]) for r in static} >= {
            "swagger-ui-bundle.js", "swagger-ui.css", "docs.js"}
        sent = 0
        for r in static:
            headers = r.all_headers()
            assert re.search(r"\?v=[0-9a-f]{12}$", r.url), r.url  # named by content
            assert "immutable" in headers["cache-control"] and "max-age=31536000" in headers["cache-control"]
            if r.url.split("?")[0].endswith((".js", ".css", ".svg")):
                assert headers.get("content-encoding") == "gzip", r.url
            sent += int(headers["content-length"])
        assert sent < 600_000, sent  # the bundle is 1.4 MB as a file
        (doc,) = [r for r in answers if r.url.endswith("/openapi.json")]
        assert doc.all_headers()["content-encoding"] == "gzip" and "etag" in doc.all_headers()
        tab.shot("desk-docs", full_page=False)
        tab.assert_clean()
    finally:
        tab.context.close()
