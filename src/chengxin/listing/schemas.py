"""Pydantic shapes for listing procedures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.listing.models import ListingProcedure
from chengxin.listing.rules import STATE_LABELS, STATED_VIA
from chengxin.workdays import deadline_of


class ProcedureIn(BaseModel):
    """A department starts the listing procedure: the prior notice is served at once."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id_type": "citizen_id", "id_number": "11010519491231002X", "name": "张三",
        "item_code": None, "facts": "拒不支付劳动报酬，经责令限期支付后逾期仍未支付，涉及农民工 12 人、工资 36 万元",
        "basis": "《保障农民工工资支付条例》第四十八条", "reference": "人社告〔2026〕12号"}]})
    list_type: Literal["black"] = "black"
    id_type: str = "citizen_id"
    id_number: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=100)
    item_code: str | None = Field(None, max_length=32, description="目录项编码（须声明黑名单且由本部门认定）")
    facts: str = Field(..., min_length=1, max_length=4000, description="拟列入的事实")
    basis: str = Field(..., min_length=1, max_length=2000, description="列入依据（法律法规条文）")
    reference: str | None = Field(None, max_length=100, description="告知书文号")


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"statement": "工资已于 11 月 20 日全部结清，附银行转账凭证。"}]})
    statement: str = Field(..., min_length=1, max_length=4000, description="陈述、申辩的内容")


class CounterStatementIn(StatementIn):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"statement": "当事人到窗口口头陈述：工资已结清。", "id_checked": True}]})
    id_checked: bool = Field(..., description="窗口已查验本人身份证件原件")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"outcome": "list", "reasons": "经核实，拖欠事实清楚，逾期仍未支付",
         "answer": "所称已结清与银行流水不符，不予采纳", "reference": "人社失信〔2026〕12号"}]})
    outcome: Literal["list", "not_list"]
    reasons: str = Field(..., min_length=1, max_length=4000, description="决定理由")
    answer: str | None = Field(None, max_length=4000, description="对当事人陈述申辩的答复（收到陈述申辩时必填）")
    reference: str | None = Field(None, max_length=100, description="决定书文号")


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reasons": "告知对象有误"}]})
    reasons: str = Field(..., min_length=1, max_length=2000)


class MeasureRef(BaseModel):
    code: str
    name: str


EXAMPLE = {
    "id": "01JF0000000000000000000000", "subject_key": "3f2a9c0d5b7e41a8b6c4d2e0f1a3b5c7",
    "department_code": "hrss", "list_type": "black", "item_code": None,
    "facts": "拒不支付劳动报酬，经责令限期支付后逾期仍未支付", "basis": "《保障农民工工资支付条例》第四十八条",
    "reference": "人社告〔2026〕12号", "measures": [{"code": "P-CIVIL-SERVICE", "name": "不得录用为公务员"}],
    "term_months": 36, "noticed_on": "2026-11-18", "statement_due": "2026-11-25",
    "statement_due_label": "2026-11-25", "state": "noticed", "state_label": "已告知，陈述申辩期内",
    "statement": None, "stated_at": None, "stated_via": None, "stated_via_label": None, "decided_on": None,
    "reasons": None, "answer": None, "matter_id": None}


class ProcedureOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    id: str
    subject_key: str
    department_code: str
    list_type: str
    item_code: str | None
    facts: str
    basis: str
    reference: str | None
    measures: list[MeasureRef]
    term_months: int
    noticed_on: date
    statement_due: date
    statement_due_label: str = Field(description="陈述申辩期限（节假日安排未公布时注明为估算）")
    state: str
    state_label: str
    statement: str | None
    stated_at: datetime | None
    stated_via: str | None
    stated_via_label: str | None
    decided_on: date | None
    reasons: str | None
    answer: str | None
    matter_id: str | None = Field(description="决定列入后的名单条目编号")

    @classmethod
    def of(cls, p: ListingProcedure) -> ProcedureOut:
        return cls(id=p.id, subject_key=p.subject_key, department_code=p.department_code, list_type=p.list_type,
                   item_code=p.item_code, facts=p.facts, basis=p.basis, reference=p.reference,
                   measures=[MeasureRef(**m) for m in p.measures], term_months=p.term_months,
                   noticed_on=p.noticed_on, statement_due=p.statement_due,
                   statement_due_label=deadline_of(p.statement_due).label(), state=p.state,
                   state_label=STATE_LABELS[p.state], statement=p.statement, stated_at=p.stated_at,
                   stated_via=p.stated_via, stated_via_label=STATED_VIA.get(p.stated_via or ""),
                   decided_on=p.decided_on, reasons=p.reasons, answer=p.answer, matter_id=p.matter_id)


class ProcedureList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"procedures": [EXAMPLE]}]})

    procedures: list[ProcedureOut]
