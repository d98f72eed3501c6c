"""All SQL for articles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.articles.models import Article


def get(session: Session, article_id: str) -> Article | None:
    return session.get(Article, article_id[:26])


def listing(session: Session, *, kind: str | None, published_only: bool, limit: int, offset: int) -> Sequence[Article]:
    stmt = select(Article)
    if kind is not None:
        stmt = stmt.where(Article.kind == kind)
    if published_only:
        stmt = stmt.where(Article.status == "published").order_by(Article.published_at.desc())
    else:
        stmt = stmt.order_by(Article.updated_at.desc())
    return session.scalars(stmt.limit(limit).offset(offset)).all()
