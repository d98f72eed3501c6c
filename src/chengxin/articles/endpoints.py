"""Article API: the public reads what is published; the credit office writes and publishes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from chengxin.articles import repository as repo
from chengxin.articles import service
from chengxin.articles.schemas import ArticleIn, ArticleList, ArticleOut, PublishIn
from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.deps import SessionDep, lag_tolerant
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1", tags=["信用知识与典型案例"], responses=PROBLEM_RESPONSES)
Kind = Annotated[Literal["knowledge", "honest_case", "dishonest_case"] | None, Query(
    description="knowledge 信用知识 / honest_case 诚信典型 / dishonest_case 失信案例")]
Editor = Annotated[Caller, permit("articles.manage")]


@router.get("/public/articles", response_model=ArticleList, summary="信用知识与典型案例",
            dependencies=[permit("public")])
@lag_tolerant
def public_articles(session: SessionDep, kind: Kind = None,
                    page: Annotated[Int64, Query(ge=1, le=500)] = 1) -> ArticleList:
    """已发布的信用知识、诚信典型和失信案例，最新在前。"""
    rows = repo.listing(session, kind=kind, published_only=True, limit=20, offset=(page - 1) * 20)
    return ArticleList(articles=[ArticleOut.of(a) for a in rows])


@router.get("/public/articles/{article_id}", response_model=ArticleOut, summary="文章详情",
            dependencies=[permit("public")])
@lag_tolerant
def public_article(article_id: str, session: SessionDep) -> ArticleOut:
    """一篇已发布的文章。"""
    return ArticleOut.of(service.get(session, article_id, published_only=True))


@router.get("/articles", response_model=ArticleList, summary="文章管理列表")
def all_articles(caller: Editor, session: SessionDep, kind: Kind = None) -> ArticleList:
    """全部文章（含草稿），最近修改在前。"""
    return ArticleList(articles=[ArticleOut.of(a) for a in repo.listing(session, kind=kind, published_only=False,
                                                                          limit=200, offset=0)])


@router.post("/articles", response_model=ArticleOut, status_code=201, summary="新建文章（草稿）")
def create_article(body: ArticleIn, caller: Editor, session: SessionDep) -> ArticleOut:
    """新建一篇草稿。"""
    return ArticleOut.of(service.create(session, body, actor_of(caller)))


@router.put("/articles/{article_id}", response_model=ArticleOut, summary="修改文章")
def update_article(article_id: str, body: ArticleIn, caller: Editor, session: SessionDep) -> ArticleOut:
    """修改标题、摘要、正文或类别；已发布的文章修改后仍须不含证件号码。"""
    return ArticleOut.of(service.update(session, service.get(session, article_id, published_only=False), body))


@router.post("/articles/{article_id}/publication", response_model=ArticleOut, summary="发布或撤回文章")
def publish_article(article_id: str, body: PublishIn, caller: Editor, session: SessionDep) -> ArticleOut:
    """发布（检查不含证件号码）或撤回为草稿。"""
    article = service.get(session, article_id, published_only=False)
    return ArticleOut.of(service.publish(session, article, body.published))
