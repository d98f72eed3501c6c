"""Pydantic shapes of integrity points: the public model and a person's ledger."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class RuleOut(BaseModel):
    code: str
    name: str
    items: list[str]
    item_names: list[str]
    points: int = Field(description="每条事项的分值（守信为正，失信为负）")
    max_matters: int | None = Field(description="本规则最多计分的事项条数")
    months: int | None = Field(description="自决定日期起最多计分的月数（失信事项还以公示期、修复、撤销为限）")
    decay_every_months: int | None = None
    decay_keep_percent: int | None = None
    description: str


class DimensionOut(BaseModel):
    code: str
    name: str
    cap: int = Field(description="本维度合计的绝对值上限")
    rules: list[RuleOut]


class GradeOut(BaseModel):
    code: str
    name: str
    min: int
    unlocks: list[str] = Field(description="本等级可享受的守信激励措施编码")


class ModelOut(BaseModel):
    version: str
    effective_date: date
    changes: str
    base: int
    min: int
    max: int
    dimensions: list[DimensionOut]
    grades: list[GradeOut]
    principles: list[str]


class LineOut(BaseModel):
    matter_id: str
    item_code: str
    item_name: str
    dimension: str
    dimension_name: str
    rule: str
    rule_name: str
    decision_date: date
    points: int
    full_points: int
    counts_until: date | None = Field(description="该分值计至哪一天（含）；空表示直到事项变化")
    note: str


class TotalOut(BaseModel):
    dimension: str
    name: str
    points: int
    uncapped: int
    cap: int


class RaiseOut(BaseModel):
    text: str
    points: int = Field(description="最多可提高的分数")


class MyPointsOut(BaseModel):
    opted_in: bool
    opted_in_at: datetime | None = None
    minor: bool = False
    as_of: date
    model_version: str
    score: int | None = None
    grade: str | None = None
    grade_name: str | None = None
    base: int | None = None
    totals: list[TotalOut] = []
    lines: list[LineOut] = []
    raises: list[RaiseOut] = []
    unlocks: list[str] = Field(default=[], description="当前等级可享受的守信激励措施编码")
    message: str
