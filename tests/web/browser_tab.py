"""One visitor's browser context: records CSP violations and script errors, takes screenshots."""

from __future__ import annotations

from pathlib import Path

from live_server import Live

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


class Tab:
    """A browser context for one visitor: records CSP violations and page errors, takes screenshots."""

    def __init__(self, browser, live: Live, **options) -> None:
        self.context = browser.new_context(base_url=live.url, locale="zh-CN", **options)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))

    def shot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path
