"""Credit knowledge and typical cases as pages: the public reads what is published; the credit office
writes drafts, edits them, publishes and withdraws (the same services as the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.articles import repository as repo
from chengxin.articles import service
from chengxin.articles.models import Article
from chengxin.articles.rules import KINDS
from chengxin.articles.schemas import ArticleIn
from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.deps import SessionDep, lag_tolerant
from chengxin.errors import DomainError
from chengxin.params import Int64
from chengxin.web.forms import model_from_form
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Editor = Annotated[Caller, permit("articles.manage")]
PAGE_SIZE = 20
LABELS = {"kind": "类别", "title": "标题", "summary": "摘要", "body": "正文"}
Title = Annotated[str, Form(max_length=400)]
Summary = Annotated[str, Form(max_length=1000)]
Body = Annotated[str, Form(max_length=60_000)]


def _kind(kind: str) -> str | None:
    return kind if kind in KINDS else None


@router.get("/public/articles", response_class=HTMLResponse, dependencies=[permit("public")])
@lag_tolerant
def public_list(request: Request, session: SessionDep, kind: Annotated[str, Query(max_length=16)] = "",
                page: Annotated[Int64, Query(ge=1, le=500)] = 1) -> HTMLResponse:
    """信用知识、诚信典型和失信案例：已发布的文章，最新在前，可按类别查看。"""
    rows = repo.listing(session, kind=_kind(kind), published_only=True, limit=PAGE_SIZE + 1,
                        offset=(page - 1) * PAGE_SIZE)
    return render(request, "articles/list.html", articles=rows[:PAGE_SIZE], has_more=len(rows) > PAGE_SIZE,
                  kind=_kind(kind) or "", kinds=KINDS, page=page)


@router.get("/public/articles/{article_id}", response_class=HTMLResponse, dependencies=[permit("public")])
@lag_tolerant
def public_detail(article_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    """一篇已发布的文章。"""
    return render(request, "articles/detail.html", a=service.get(session, article_id, published_only=True),
                  kinds=KINDS, preview=False)


@router.get("/console/articles", response_class=HTMLResponse)
def console_list(request: Request, caller: Editor, session: SessionDep,
                 kind: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    """文章管理：全部文章（含草稿），最近修改在前。"""
    rows = repo.listing(session, kind=_kind(kind), published_only=False, limit=200, offset=0)
    return render(request, "articles/console.html", articles=rows, kind=_kind(kind) or "", kinds=KINDS)


def _form(request: Request, a: Article | None, values: dict[str, str], error: DomainError | None = None,
          saved: bool = False) -> HTMLResponse:
    return render(request, "articles/edit.html", http_status=error.status if error else 200, a=a, v=values,
                  kinds=KINDS, error=error, errors=error.extra.get("errors", []) if error else [], saved=saved)


@router.get("/console/articles/new", response_class=HTMLResponse)
def new_form(request: Request, caller: Editor, kind: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    """新建一篇文章（保存为草稿，发布前可预览）。"""
    return _form(request, None, {"kind": _kind(kind) or "knowledge", "title": "", "summary": "", "body": ""})


@router.post("/console/articles", response_class=HTMLResponse)
def create(request: Request, caller: Editor, session: SessionDep, kind: Annotated[str, Form(max_length=16)],
           title: Title, body: Body, summary: Summary = "") -> Response:
    """保存新草稿；内容不合要求时在原表单说明，已填内容保留。"""
    values = {"kind": kind, "title": title, "summary": summary, "body": body}
    try:
        article = service.create(session, model_from_form(ArticleIn, LABELS, **values), actor_of(caller))
    except DomainError as err:
        return _form(request, None, values, err)
    return RedirectResponse(f"/console/articles/{article.id}", status_code=303)


@router.get("/console/articles/{article_id}", response_class=HTMLResponse)
def edit_form(article_id: str, request: Request, caller: Editor, session: SessionDep,
              saved: Annotated[str, Query(max_length=1)] = "") -> HTMLResponse:
    """修改文章，并预览、发布或撤回。"""
    a = service.get(session, article_id, published_only=False)
    return _form(request, a, {"kind": a.kind, "title": a.title, "summary": a.summary, "body": a.body},
                 saved=saved == "1")


@router.post("/console/articles/{article_id}", response_class=HTMLResponse)
def update(article_id: str, request: Request, caller: Editor, session: SessionDep,
           kind: Annotated[str, Form(max_length=16)], title: Title, body: Body, summary: Summary = "") -> Response:
    """保存修改；已发布的文章修改后仍须不含证件号码。"""
    a = service.get(session, article_id, published_only=False)
    values = {"kind": kind, "title": title, "summary": summary, "body": body}
    try:
        service.update(session, a, model_from_form(ArticleIn, LABELS, **values))
    except DomainError as err:
        return _form(request, a, values, err)
    return RedirectResponse(f"/console/articles/{a.id}?saved=1", status_code=303)


@router.post("/console/articles/{article_id}/publication")
def publication(article_id: str, caller: Editor, session: SessionDep,
                published: Annotated[str, Form(max_length=3)]) -> Response:
    """发布（检查不含证件号码）或撤回为草稿。"""
    a = service.publish(session, service.get(session, article_id, published_only=False), published == "yes")
    return RedirectResponse(f"/console/articles/{a.id}", status_code=303)
