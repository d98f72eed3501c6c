"""Page rendering: one Jinja2 environment, the signed-in viewer, navigation and the CSRF token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from chengxin import __version__
from chengxin.accounts.auth import secure_cookies
from chengxin.accounts.rules import PUBLIC, allowed
from chengxin.callers import ANONYMOUS, ROLE_LABELS, Caller, optional_caller
from chengxin.clock import CHINA, today
from chengxin.db import reading
from chengxin.masking import mask_name
from chengxin.web.assets import ASSETS
from chengxin.web.security import CSRF_FIELD, PRE_COOKIE, binding, new_pre_session, token_for
from chengxin.workbench.rules import STAFF_ROLES

# The menu, one plain table (address, label, permission); append a line for a new page. Each viewer
# sees one audience's items: a visitor who is not signed in the public ones (permission "public"),
# anyone signed in only the items their roles hold (a person theirs, each staff role its own), never
# the public portal's (the brand and the footer still lead there).
NAV: tuple[tuple[str, str, str], ...] = (
    ("/", "首页", PUBLIC),
    ("/catalog", "信用信息目录", PUBLIC),
    ("/measures", "联合奖惩措施", PUBLIC),
    ("/points", "诚信积分规则", PUBLIC),
    ("/public/records", "信用公示", PUBLIC),
    ("/public/lists", "红黑名单", PUBLIC),
    ("/public/tipoffs", "我要举报", PUBLIC),
    ("/public/articles", "诚信典型与案例", PUBLIC),
    ("/verify", "报告核验", PUBLIC),
    ("/verify/credential", "凭证核验", PUBLIC),
    ("/me/file", "我的信用档案", "person.own"),
    ("/me/accesses", "谁查询了我", "person.own"),
    ("/me/reports", "信用报告", "person.own"),
    ("/me/authorisations", "我的授权", "person.own"),
    ("/me/credential", "信用凭证", "person.own"),
    ("/me/points", "诚信积分", "person.own"),
    ("/me/listing", "列入告知", "person.own"),
    ("/me/objections", "我的异议", "person.own"),
    ("/me/repairs", "信用修复", "person.own"),
    ("/me/notices", "我的通知", "person.own"),
    ("/me/contact", "联系方式", "person.own"),
    ("/console", "工作台", "workbench"),
    ("/dept/uploads", "报送文件", "records.submit"),
    ("/dept/checks", "核查", "checks.run"),
    ("/dept/checks/batch", "批量核查", "checks.run"),
    ("/dept/feedback", "待反馈", "checks.feedback"),
    ("/feedback/rates", "反馈率", "checks.rates"),
    ("/audit/log", "查询日志", "audit.read"),
    ("/audit/tree-head", "签名树头", "audit.read"),
    ("/alerts", "异常使用告警", "alerts.read"),
    ("/console/objections", "异议处理", "objections.handle"),
    ("/console/repairs", "信用修复审核", "repairs.review"),
    ("/console/repairs/counter", "窗口代为申请修复", "repairs.counter"),
    ("/console/tipoffs", "举报处理", "tipoffs.handle"),
    ("/console/lists", "名单管理", "lists.read"),
    ("/console/listing", "列入程序", "lists.read"),
    ("/console/conflicts", "信息冲突核实", "conflicts.resolve"),
    ("/console/reports/counter", "窗口出具报告", "reports.counter"),
    ("/console/reports", "报告登记簿", "reports.read"),
    ("/console/articles", "文章管理", "articles.manage"),
    ("/console/assessment", "部门考核", "assessment.read"),
    ("/console/assessment/coverage", "归集覆盖", "assessment.read"),
    ("/console/points", "积分分级评估", "assessment.read"),
    ("/console/roster", "职业信用档案", "roster.read"),
    ("/console/editions/catalog", "目录与措施修订", "catalog.manage"),
    ("/console/exchange", "平台交换", "exchange.read"),
    ("/console/retention", "到期删除", "retention.read"),
    ("/console/accounts", "账号管理", "accounts.manage"),
    ("/console/departments", "部门管理", "accounts.manage"),
)


def _datetime(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _millis(value: int | None) -> str:
    """A signed tree head's timestamp (milliseconds since the epoch) in Beijing time."""
    return "" if value is None else datetime.fromtimestamp(value / 1000, CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _until(value: datetime) -> str:
    """An exclusive end: midnight in Beijing reads as 24:00 of the day before."""
    local = value.astimezone(CHINA)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{(local.date() - timedelta(days=1)).isoformat()} 24:00"
    return _datetime(value)


def _date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _paragraphs(text: str | None) -> list[str]:
    """Plain text as paragraphs: blank lines separate them (the template escapes each one)."""
    return [p.strip() for p in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n")) if p.strip()]


env = Environment(loader=PackageLoader("chengxin.web", "templates"), autoescape=select_autoescape(default=True),
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
env.filters["dt"] = _datetime
env.filters["d"] = _date
env.filters["ms"] = _millis
env.filters["until"] = _until
env.filters["paragraphs"] = _paragraphs
env.globals["version"] = __version__
env.globals["static"] = ASSETS.url


async def page_viewer(request: Request) -> Caller:
    """Router-level dependency of every page: who is signed in (anonymous when nobody); for a person,
    their masked name and unread notices for the header and the menu."""
    viewer = await optional_caller(request)
    request.state.viewer = viewer
    if viewer.person_key is not None and "person" in viewer.roles:
        request.state.shell = await run_in_threadpool(person_shell, request.app.state.sessionmaker,
                                                      viewer.person_key)
    elif viewer.roles & STAFF_ROLES and request.method == "GET":
        request.state.badges = await run_in_threadpool(staff_badges, request.app.state.sessionmaker, viewer)
    return viewer


Viewer = Annotated[Caller, Depends(page_viewer)]


def nav_for(viewer: Caller, badges: dict[str, int] | None = None) -> list[tuple[str, str, int]]:
    """The viewer's menu: (address, label, badge count) of their audience's items (see `NAV`)."""
    anonymous = viewer.role == "anonymous"
    badges = badges or {}
    return [(href, label, badges.get(href, 0)) for href, label, perm in NAV
            if (perm == PUBLIC) == anonymous and (anonymous or allowed(perm, viewer.roles))]


@dataclass(frozen=True, slots=True)
class Shell:
    """What the page shell shows a signed-in person: their masked name and their unread notices."""

    name: str
    unread: int


def person_shell(sessionmaker: Any, person_key: str) -> Shell:
    """A short read of its own (in a worker thread, before the route's transaction)."""
    from chengxin.notices import repository as notices
    from chengxin.persons.models import Person

    with reading(sessionmaker) as session, session.begin():
        name = session.scalar(select(Person.name).where(Person.person_key == person_key))
        return Shell(mask_name(name), notices.unread(session, person_key))


def staff_badges(sessionmaker: Any, viewer: Caller) -> dict[str, int]:
    """The to-do counts beside a staff member's menu items (a short read of its own, like `person_shell`)."""
    from chengxin.workbench import service as workbench

    with reading(sessionmaker) as session, session.begin():
        return workbench.badges(session, viewer, today())


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with the viewer, navigation and a CSRF token bound to the session."""
    state = request.scope.get("state", {})
    viewer: Caller = state.get("viewer", ANONYMOUS)
    shell: Shell | None = state.get("shell")
    badges: dict[str, int] | None = {"/me/notices": shell.unread} if shell else state.get("badges")
    bound = binding(request)
    fresh = None
    if bound is None:
        bound = fresh = new_pre_session()
    csrf = token_for(bound)
    html = env.get_template(template).render(
        viewer=viewer, role_labels=[ROLE_LABELS[r] for r in sorted(viewer.roles)], shell=shell,
        nav=nav_for(viewer, badges), site=request.app.state.site,
        viewer_department=request.app.state.catalog.departments.get(viewer.department_code or "", ""),
        current=request.url.path, csrf=csrf,
        csrf_field=Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{csrf}">'), **context)
    response = HTMLResponse(html, status_code=http_status)
    if fresh is not None:
        response.set_cookie(PRE_COOKIE, fresh, httponly=True, samesite="strict", secure=secure_cookies(request))
    return response


@dataclass(frozen=True, slots=True)
class Pager:
    """Numbered pages of a result: `links` are (label, address or None for a gap, is the current page)."""

    page: int
    pages: int
    total: int
    links: tuple[tuple[str, str | None, bool], ...]
    previous: str | None
    next: str | None


def pager(path: str, params: dict[str, Any], *, page: int, total: int, size: int, max_page: int = 500) -> Pager:
    """The page links of a list of `total` rows, `size` a page, keeping the other query parameters."""
    pages = max(1, min(max_page, -(-total // size)))

    def href(n: int) -> str:
        kept = {k: v for k, v in params.items() if v not in (None, "")}
        return f"{path}?{urlencode({**kept, 'page': n})}" if n > 1 or kept else path

    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links: list[tuple[str, str | None, bool]] = []
    for i, n in enumerate(shown):
        if i and n - shown[i - 1] > 1:
            links.append(("…", None, False))
        links.append((str(n), href(n), n == page))
    return Pager(page, pages, total, tuple(links), href(page - 1) if page > 1 else None,
                 href(page + 1) if page < pages else None)
