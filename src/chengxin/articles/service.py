"""Article use cases: write drafts, publish (checked for ID numbers), withdraw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.articles import repository as repo
from chengxin.articles import rules
from chengxin.articles.models import Article
from chengxin.articles.schemas import ArticleIn
from chengxin.clock import utcnow
from chengxin.errors import NotFound


def create(session: Session, body: ArticleIn, author: str, now: datetime | None = None) -> Article:
    now = now or utcnow()
    article = Article(id=ids.new_id(), kind=body.kind, title=body.title.strip(), summary=body.summary.strip(),
                      body=body.body.strip(), status="draft", published_at=None, author=author, created_at=now,
                      updated_at=now)
    session.add(article)
    session.flush()
    return article


def update(session: Session, article: Article, body: ArticleIn, now: datetime | None = None) -> Article:
    if article.status == "published":
        rules.check_public_text(body.title, body.summary, body.body)
    article.kind, article.title, article.summary, article.body = (body.kind, body.title.strip(),
                                                                  body.summary.strip(), body.body.strip())
    article.updated_at = now or utcnow()
    session.flush()
    return article


def publish(session: Session, article: Article, published: bool, now: datetime | None = None) -> Article:
    now = now or utcnow()
    if published:
        rules.check_public_text(article.title, article.summary, article.body)
        article.status, article.published_at = "published", article.published_at or now
    else:
        article.status = "draft"
    article.updated_at = now
    session.flush()
    return article


def get(session: Session, article_id: str, *, published_only: bool) -> Article:
    article = repo.get(session, article_id)
    if article is None or (published_only and article.status != "published"):
        raise NotFound("ARTICLE_NOT_FOUND", "没有该文章")
    return article
