"""Article API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chengxin.articles.models import Article
from chengxin.articles.rules import KINDS

EXAMPLE = {"id": "01JC0E1A2B3C4D5E6F7G8H9J0K", "kind": "honest_case", "kind_label": "诚信典型",
           "title": "拾金不昧的出租车司机", "summary": "某出租车司机归还乘客遗失的 5 万元现金。",
           "body": "……", "status": "published", "published_at": "2026-11-20T02:00:00Z",
           "updated_at": "2026-11-20T02:00:00Z"}


class ArticleIn(BaseModel):
    kind: Literal["knowledge", "honest_case", "dishonest_case"]
    title: str = Field(min_length=2, max_length=200)
    summary: str = Field("", max_length=500)
    body: str = Field(min_length=10, max_length=50_000, description="正文（纯文本，空行分段）")

    model_config = {"json_schema_extra": {"examples": [{k: EXAMPLE[k] for k in ("kind", "title", "summary")}
                                                       | {"body": "2026 年 11 月，某出租车司机……"}]}}


class ArticleOut(BaseModel):
    id: str
    kind: str
    kind_label: str
    title: str
    summary: str
    body: str
    status: str
    published_at: datetime | None
    updated_at: datetime

    model_config = {"json_schema_extra": {"examples": [EXAMPLE]}}

    @classmethod
    def of(cls, a: Article) -> ArticleOut:
        return cls(id=a.id, kind=a.kind, kind_label=KINDS[a.kind], title=a.title, summary=a.summary, body=a.body,
                   status=a.status, published_at=a.published_at, updated_at=a.updated_at)


class ArticleList(BaseModel):
    articles: list[ArticleOut]

    model_config = {"json_schema_extra": {"examples": [{"articles": [EXAMPLE]}]}}


class PublishIn(BaseModel):
    published: bool

    model_config = {"json_schema_extra": {"examples": [{"published": True}]}}
