"""One visitor's browser context (records CSP violations and script errors, takes screenshots), and signing in."""

from __future__ import annotations

from pathlib import Path

from live_server import PASSWORD, Live
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"  # vendored, see its README
AXE_IMPACTS = ("serious", "critical")


class Tab:
    """A browser context for one visitor: records CSP violations and page errors, takes screenshots."""

    def __init__(self, browser, live: Live, **options) -> None:
        self.context = browser.new_context(base_url=live.url, locale="zh-CN", **options)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        # A journey's steps: every page the visitor opens by address and every tap or click
        # (pages.md budgets them). Typing into a field is not a step.
        self.steps = 0

    def go(self, path: str) -> None:
        """Open an address, as one step."""
        self.steps += 1
        self.page.goto(path)

    def tap(self, locator) -> None:
        """Click or tap a link or button, as one step."""
        self.steps += 1
        locator.click()

    def assert_clean(self) -> None:
        """No console error, script error or CSP violation happened in this tab."""
        assert not self.problems, self.problems

    def axe(self, impacts: tuple[str, ...] = AXE_IMPACTS) -> list[dict]:
        """The page's accessibility violations of these impacts, by the vendored axe-core (WCAG 2.x A and
        AA rules and axe's best practices; GB/T 37668-2019 follows WCAG). The script is evaluated in the
        page through the DevTools protocol, which the page's CSP does not govern, so the page stays as
        served (no bypass_csp). Each violation: rule id, impact, help text and the offending nodes."""
        page = self.page
        if not page.evaluate("typeof window.axe === 'object'"):
            page.evaluate(AXE.read_text(encoding="utf-8"))
        found = page.evaluate("""async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                           summary: n.failureSummary}))}));
        }""")
        return [v for v in found if v["impact"] in impacts]

    def shot(self, name: str, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


def sign_in(tab, username: str) -> None:
    page = tab.page
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def person_sign_in(tab, live) -> None:
    page = tab.page
    page.goto("/person/login")
    page.get_by_label("证件号码").fill(live.citizen_id)
    page.get_by_label("姓名").fill(live.citizen_name)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("heading", name="输入验证码")).to_be_visible()
    challenge = page.locator("input[name=challenge_id]").input_value()
    page.get_by_label("验证码（6 位数字）").fill(live.code_for(challenge))
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live.url}/me/file")
