"""Pydantic shapes of integrity points: the public model and a person's ledger."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "version": "2026.1", "effective_date": "2026-12-01", "changes": "首个版本……",
        "base": 600, "min": 0, "max": 1000,
        "dimensions": [{"code": "public_good", "name": "公益", "cap": 150, "rules": [{
            "code": "volunteer", "name": "志愿服务", "items": ["ZYFW-01", "ZYFW-02"],
            "item_names": ["志愿服务记录", "优秀志愿者信息"], "points": 10, "max_matters": 10, "months": 36,
            "decay_every_months": None, "decay_keep_percent": None,
            "description": "每条+10 分，最多计 10 条，自决定日期起计 36 个月"}]}],
        "grades": [{"code": "A", "name": "诚信优秀", "min": 720, "unlocks": ["R-JFMY-01", "R-JFRQ-01", "R-JFYX-01"]},
                   {"code": "D", "name": "待提升", "min": 0, "unlocks": []}],
        "principles": ["只为本人自愿开通积分的成年人计算，随时可以关闭；关闭即删除，未开通的人没有任何分数。"],
    }]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "opted_in": True, "opted_in_at": "2026-12-07T02:00:00Z", "minor": False, "as_of": "2026-12-07",
        "model_version": "2026.1", "score": 610, "grade": "C", "grade_name": "一般", "base": 600,
        "totals": [{"dimension": "honour", "name": "守信正向", "points": 50, "uncapped": 50, "cap": 200},
                   {"dimension": "dishonesty", "name": "失信", "points": -40, "uncapped": -40, "cap": 300}],
        "lines": [{"matter_id": "01JDZ8Q5T3W9G1N2M4K6P8R0S2", "item_code": "XZCF-01", "item_name": "行政处罚信息",
                   "dimension": "dishonesty", "dimension_name": "失信", "rule": "general", "rule_name": "一般失信信息",
                   "decision_date": "2026-06-01", "points": -40, "full_points": -40, "counts_until": "2027-06-01",
                   "note": ""}],
        "raises": [{"text": "对 2026-06-01 决定的“行政处罚信息”申请信用修复：修复后该事项即不再扣分", "points": 40}],
        "unlocks": [], "message": "诚信积分 610 分，等级 C（一般）。",
    }]})

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
