"""Roster API shapes."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class MemberOut(BaseModel):
    person_key: str = Field(description="信息主体标识（不含证件号码）")
    name: str = Field(description="姓名（脱敏）")
    id_number: str = Field(description="证件号码（脱敏）")
    item_code: str
    item_name: str
    department_code: str
    department_name: str
    since: date = Field(description="登记或发证日期（记录的决定日期）")
    negatives: int = Field(description="本人在该职业失信信息项下尚未结束的失信事项数")


class RosterOut(BaseModel):
    occupation: str
    occupation_name: str
    as_of: date
    total: int = Field(description="在册条目总数")
    members: list[MemberOut]

    model_config = {"json_schema_extra": {"examples": [{
        "occupation": "statistics_staff", "occupation_name": "统计从业人员", "as_of": "2026-11-18", "total": 1,
        "members": [{"person_key": "p_0123456789abcdef", "name": "王*", "id_number": "1101**********002X",
                     "item_code": "ZYZG-09", "item_name": "统计从业人员信息", "department_code": "statistics",
                     "department_name": "市统计局", "since": "2026-10-09", "negatives": 0}]}]}}
