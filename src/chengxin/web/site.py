"""Wiring of the web into the application: headers, static files, error pages, page routers."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from chengxin.errors import DomainError
from chengxin.web.assets import ASSETS
from chengxin.web.identity import site_identity
from chengxin.web.render import page_viewer, render
from chengxin.web.security import SecurityHeaders, require_csrf

SIGN_IN_PAGES = frozenset({"/login", "/person/login", "/person/verify", "/logout"})
MAX_NEXT = 1000


def safe_next(value: str | None) -> str | None:
    """A same-site address to go back to after signing in, or None: a path on this site only (no
    scheme, no host, no `//` or backslash that a browser reads as another host, no control
    characters), never a sign-in page itself."""
    if not value or len(value) > MAX_NEXT or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    if value.split("?", 1)[0].rstrip("/") in SIGN_IN_PAGES:
        return None
    return value


def login_for(path: str) -> str:
    """The sign-in page for a page address: the person's for their own pages, else the staff one."""
    return "/person/login" if path == "/me" or path.startswith("/me/") else "/login"


def error_heading(err: DomainError) -> str:
    """The title of an error page, in plain words (the message itself where it already is one)."""
    if err.status == 404:
        return "没有找到这个页面" if err.code == "NOT_FOUND" else err.message
    if err.status == 401:
        return "请先登录"
    if err.status == 403 and err.code == "AUTH_FORBIDDEN":
        return "您登录的账号不能打开这个页面"
    if err.status == 429:
        return "操作太频繁，请稍后再试"
    if err.status >= 500:
        return "系统暂时出了点问题"
    return err.message


def error_page(request: Request, err: DomainError) -> Response:
    """A domain error on a page path, as a page (the API answers problem+json). A page that needs a
    sign-in sends the visitor to the right login page, which sends them back here."""
    path = request.url.path
    if err.status == 401 and request.method in ("GET", "HEAD"):
        back = safe_next(path + (f"?{request.url.query}" if request.url.query else ""))
        login = login_for(path)
        return RedirectResponse(f"{login}?next={quote(back, safe='/')}" if back else login, status_code=303)
    response = render(request, "error.html", http_status=err.status, err=err, heading=error_heading(err),
                      errors=err.extra.get("errors", []), login=login_for(path), back=safe_next(path))
    if "retry_after" in err.extra:
        response.headers["Retry-After"] = str(err.extra["retry_after"])
    return response


def install(app: FastAPI) -> None:
    """Every page router gets the viewer and the CSRF check here, in one place."""
    from chengxin.access.pages import router as access_pages
    from chengxin.accounts.admin_pages import router as admin_pages
    from chengxin.accounts.pages import router as accounts_pages
    from chengxin.alerts.pages import router as alerts_pages
    from chengxin.articles.pages import router as articles_pages
    from chengxin.assessment.pages import router as assessment_pages
    from chengxin.authorisations.pages import router as authorisations_pages
    from chengxin.catalog.pages import router as catalog_pages
    from chengxin.checks.pages import router as checks_pages
    from chengxin.conflicts.pages import router as conflicts_pages
    from chengxin.credentials.pages import router as credentials_pages
    from chengxin.creditfile.pages import router as file_pages
    from chengxin.disclosure.pages import router as disclosure_pages
    from chengxin.editions.pages import router as editions_pages
    from chengxin.exchange.pages import router as exchange_pages
    from chengxin.explanations.pages import router as explanations_pages
    from chengxin.listing.pages import router as listing_pages
    from chengxin.lists.pages import router as lists_pages
    from chengxin.notices.pages import router as notices_pages
    from chengxin.objections.pages import router as objections_pages
    from chengxin.points.pages import router as points_pages
    from chengxin.records.pages import router as records_pages
    from chengxin.remedies.pages import router as remedies_pages
    from chengxin.repairs.counter import router as repairs_counter_pages
    from chengxin.repairs.pages import router as repairs_pages
    from chengxin.reports.pages import router as reports_pages
    from chengxin.retention.pages import router as retention_pages
    from chengxin.roster.pages import router as roster_pages
    from chengxin.sanctions.pages import router as measures_pages
    from chengxin.tipoffs.pages import router as tipoffs_pages
    from chengxin.web.pages import router as home_pages
    from chengxin.workbench.pages import router as workbench_pages

    app.state.error_page = error_page
    app.state.site = site_identity(app.state.settings)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", ASSETS, name="static")
    page_deps = [Depends(page_viewer), Depends(require_csrf)]
    for router in (home_pages, accounts_pages, catalog_pages, measures_pages, file_pages, access_pages,
                   authorisations_pages, records_pages, checks_pages, alerts_pages, disclosure_pages, tipoffs_pages,
                   objections_pages, repairs_counter_pages, repairs_pages, notices_pages, articles_pages,
                   assessment_pages, lists_pages, editions_pages, conflicts_pages, workbench_pages, admin_pages,
                   reports_pages, exchange_pages, roster_pages, listing_pages, explanations_pages,
                   remedies_pages, retention_pages, points_pages):
        app.include_router(router, dependencies=page_deps)
    app.include_router(credentials_pages, dependencies=page_deps)
