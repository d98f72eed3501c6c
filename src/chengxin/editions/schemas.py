"""Edition API shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chengxin.editions.models import DataEdition


class EditionIn(BaseModel):
    content: str = Field(min_length=10, max_length=2_000_000, description="完整的 YAML 文本（version 须为新版本号）")
    change_note: str = Field(min_length=1, max_length=2000, description="修订说明")

    model_config = {"json_schema_extra": {"examples": [{"content": "version: \"2026.2\"\neffective_date: 2026-12-01\n…",
                                                        "change_note": "新增“公共事业缴费”项"}]}}


class EditionOut(BaseModel):
    kind: str
    version: str
    change_note: str
    author: str
    created_at: datetime
    in_force: bool

    model_config = {"json_schema_extra": {"examples": [{
        "kind": "catalog", "version": "2026.2", "change_note": "新增“公共事业缴费”项", "author": "operator:01J…",
        "created_at": "2026-11-21T02:00:00Z", "in_force": True}]}}

    @classmethod
    def of(cls, row: DataEdition, in_force: bool) -> EditionOut:
        return cls(kind=row.kind, version=row.version, change_note=row.change_note, author=row.author,
                   created_at=row.created_at, in_force=in_force)


class EditionList(BaseModel):
    kind: str
    in_force: str = Field(description="现行版本号（未发布新版时为随软件发布的版本）")
    editions: list[EditionOut]

    model_config = {"json_schema_extra": {"examples": [{"kind": "catalog", "in_force": "2026.1", "editions": []}]}}


class EditionText(BaseModel):
    kind: str
    version: str
    content: str

    model_config = {"json_schema_extra": {"examples": [{"kind": "catalog", "version": "2026.1",
                                                        "content": "version: \"2026.1\"\n…"}]}}
