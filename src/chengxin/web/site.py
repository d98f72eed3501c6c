"""Wiring of the web into the application: headers, static files, error pages, page routers."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from chengxin.errors import DomainError
from chengxin.web.render import page_viewer, render
from chengxin.web.security import SecurityHeaders, require_csrf

STATIC = Path(__file__).parent / "static"


def error_page(request: Request, err: DomainError) -> HTMLResponse:
    """A domain error on a page route, as a page (the API answers problem+json)."""
    response = render(request, "error.html", http_status=err.status, err=err, errors=err.extra.get("errors", []))
    if "retry_after" in err.extra:
        response.headers["Retry-After"] = str(err.extra["retry_after"])
    return response


def install(app: FastAPI) -> None:
    """Every page router gets the viewer and the CSRF check here, in one place."""
    from chengxin.access.pages import router as access_pages
    from chengxin.accounts.pages import router as accounts_pages
    from chengxin.alerts.pages import router as alerts_pages
    from chengxin.articles.pages import router as articles_pages
    from chengxin.assessment.pages import router as assessment_pages
    from chengxin.authorisations.pages import router as authorisations_pages
    from chengxin.catalog.pages import router as catalog_pages
    from chengxin.checks.pages import router as checks_pages
    from chengxin.conflicts.pages import router as conflicts_pages
    from chengxin.creditfile.pages import router as file_pages
    from chengxin.disclosure.pages import router as disclosure_pages
    from chengxin.editions.pages import router as editions_pages
    from chengxin.lists.pages import router as lists_pages
    from chengxin.notices.pages import router as notices_pages
    from chengxin.objections.pages import router as objections_pages
    from chengxin.records.pages import router as records_pages
    from chengxin.repairs.pages import router as repairs_pages
    from chengxin.sanctions.pages import router as measures_pages
    from chengxin.tipoffs.pages import router as tipoffs_pages
    from chengxin.web.pages import router as home_pages

    app.state.error_page = error_page
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    page_deps = [Depends(page_viewer), Depends(require_csrf)]
    for router in (home_pages, accounts_pages, catalog_pages, measures_pages, file_pages, access_pages,
                   authorisations_pages, records_pages, checks_pages, alerts_pages, disclosure_pages, tipoffs_pages,
                   objections_pages, repairs_pages, notices_pages, articles_pages,
                   assessment_pages, lists_pages, editions_pages, conflicts_pages):
        app.include_router(router, dependencies=page_deps)
