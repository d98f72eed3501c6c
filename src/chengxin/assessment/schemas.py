"""Assessment API shapes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class Figures(BaseModel):
    """The figures of one department, or of all of them (the totals row)."""

    records: int = Field(0, description="期间新归集的记录数（不计历史补录时不含补录）")
    timely: int = Field(0, description="决定后 7 日内归集的记录数")
    backfilled: int = Field(0, description="历史补录的记录数：决定日早于归集日一年以上")
    mean_lag_days: float | None = Field(None, description="从决定日到归集的平均天数")
    timely_rate: float | None = Field(None, description="决定后 7 日内归集的比例")
    batches: int = 0
    rows: int = Field(0, description="报送的行数")
    rejected: int = Field(0, description="未通过校验的行数")
    error_rate: float | None = Field(None, description="差错率：未通过校验的行数 / 报送行数")
    hits: int = Field(0, description="核查命中的措施数")
    answered: int = Field(0, description="已反馈的命中数")
    feedback_rate: float | None = None
    objections_open: int = 0
    objections_overdue: int = 0
    objections_decided: int = 0
    objection_mean_working_days: float | None = Field(None, description="已办结异议的平均处理工作日")
    objections_on_time: int = Field(0, description="在处理期限内办结的异议数")
    objection_on_time_rate: float | None = Field(None, description="异议按期办结率")


class Totals(Figures):
    """All departments together: counts added up, rates recomputed from the sums."""


class DepartmentRow(Figures):
    department_code: str
    department_name: str
    score: float | None = Field(None, description="综合得分（0–100）：及时率、1−差错率、反馈率、异议按期办结率的平均")
    rank: int | None = Field(None, description="按综合得分的排名，1 为最好")


class AssessmentOut(BaseModel):
    first: date
    last: date
    departments: list[DepartmentRow]
    totals: Totals | None = None
    backfill_excluded: bool = Field(False, description="是否未计历史补录的记录（决定日早于归集日一年以上）")

    model_config = {"json_schema_extra": {"examples": [{"first": "2026-11-01", "last": "2026-11-21", "departments": [{
        "department_code": "market_regulation", "department_name": "市市场监督管理局", "records": 1200,
        "mean_lag_days": 3.5, "timely_rate": 0.92, "batches": 12, "rows": 1250, "rejected": 50, "error_rate": 0.04,
        "hits": 30, "answered": 27, "feedback_rate": 0.9, "objections_open": 2, "objections_overdue": 0,
        "objections_decided": 5, "objection_mean_working_days": 6.2}]}]}}


class CoverageCell(BaseModel):
    item_code: str
    item_name: str
    department_code: str
    department_name: str
    records: int = Field(description="本期新归集的记录数")


class CoverageLine(BaseModel):
    code: str = Field(description="归集要求编码（见 assessment/requirements.yaml）")
    seed: str = Field(description="出处文件")
    section: str = Field(description="条款位置")
    quote: str = Field(description="原文摘句")
    kind: str = Field(description="domain 重点领域 / behaviour 严重失信行为 / occupation 重点职业人群 / other")
    kind_label: str
    label: str = Field(description="要求所指的领域、职业人群或行为")
    records: int = Field(description="本期对应的记录数合计")
    gap: str | None = Field(None, description="缺口：目录中没有对应的信息项，或本期没有部门报送；无缺口为空")
    cells: list[CoverageCell]


class CoverageOut(BaseModel):
    first: date
    last: date
    lines: list[CoverageLine]
    gaps: int = Field(description="有缺口的要求数")

    model_config = {"json_schema_extra": {"examples": [{
        "first": "2026-11-01", "last": "2026-11-30", "gaps": 1, "lines": [{
        "code": "HN-D-12", "seed": "淮南市加强个人诚信体系建设实施方案（淮府办秘〔2017〕235号）",
        "section": "三、（二）",
        "quote": "环境保护", "kind": "domain", "kind_label": "重点领域", "label": "环境保护", "records": 12,
        "gap": None,
        "cells": [{"item_code": "XZCF-06", "item_name": "生态环境违法行政处罚信息",
                   "department_code": "ecology_environment", "department_name": "市生态环境局", "records": 12}]}]}]}}
