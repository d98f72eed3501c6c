"""Page rendering: one Jinja2 environment, the signed-in viewer, navigation and the CSRF token."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from chengxin import __version__
from chengxin.accounts.auth import secure_cookies
from chengxin.accounts.rules import PUBLIC, allowed
from chengxin.callers import ANONYMOUS, ROLE_LABELS, Caller, optional_caller
from chengxin.clock import CHINA
from chengxin.web.security import CSRF_FIELD, PRE_COOKIE, binding, new_pre_session, token_for

# (address, label, permission): an entry shows when the viewer holds the permission.
NAV: tuple[tuple[str, str, str], ...] = (
    ("/", "首页", PUBLIC),
    ("/catalog", "信用信息目录", PUBLIC),
    ("/measures", "联合奖惩措施", PUBLIC),
    ("/public/records", "信用公示", PUBLIC),
    ("/public/lists", "红黑名单", PUBLIC),
    ("/public/tipoffs", "我要举报", PUBLIC),
    ("/public/articles", "诚信典型与案例", PUBLIC),
    ("/me/file", "我的信用档案", "person.own"),
    ("/me/accesses", "谁查询了我", "person.own"),
    ("/me/authorisations", "我的授权", "person.own"),
    ("/me/objections", "我的异议", "person.own"),
    ("/me/repairs", "信用修复", "person.own"),
    ("/me/notices", "我的通知", "person.own"),
    ("/me/contact", "联系方式", "person.own"),
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
    ("/console/tipoffs", "举报处理", "tipoffs.handle"),
    ("/console/lists", "名单管理", "lists.read"),
    ("/console/conflicts", "信息冲突核实", "conflicts.resolve"),
    ("/console/articles", "文章管理", "articles.manage"),
    ("/console/assessment", "部门考核", "assessment.read"),
    ("/console/editions/catalog", "目录与措施修订", "catalog.manage"),
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


async def page_viewer(request: Request) -> Caller:
    """Router-level dependency of every page: who is signed in (anonymous when nobody)."""
    viewer = await optional_caller(request)
    request.state.viewer = viewer
    return viewer


Viewer = Annotated[Caller, Depends(page_viewer)]


def nav_for(viewer: Caller) -> list[tuple[str, str]]:
    return [(href, label) for href, label, perm in NAV if allowed(perm, viewer.roles)]


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    """A page from its template, with the viewer, navigation and a CSRF token bound to the session."""
    viewer: Caller = request.scope.get("state", {}).get("viewer", ANONYMOUS)
    bound = binding(request)
    fresh = None
    if bound is None:
        bound = fresh = new_pre_session()
    csrf = token_for(bound)
    html = env.get_template(template).render(
        viewer=viewer, role_labels=[ROLE_LABELS[r] for r in sorted(viewer.roles)], nav=nav_for(viewer),
        viewer_department=request.app.state.catalog.departments.get(viewer.department_code or "", ""),
        current=request.url.path, csrf=csrf,
        csrf_field=Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{csrf}">'), **context)
    response = HTMLResponse(html, status_code=http_status)
    if fresh is not None:
        response.set_cookie(PRE_COOKIE, fresh, httponly=True, samesite="strict", secure=secure_cookies(request))
    return response
