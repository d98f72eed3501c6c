"""Pydantic shapes of the measure list."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class TargetsOut(BaseModel):
    lists: list[str]
    severities: list[str]
    items: list[str]
    conditions: list[str]
    grades: list[str] = Field(default_factory=list, description="诚信积分等级（仅激励措施，仅对本人开通积分的成年人）")


class BasisOut(BaseModel):
    """One basis: its level (法律 … 规范性文件), citation, and the items/lists it alone covers."""

    level: str
    level_label: str
    citation: str
    scope: list[str]


class MeasureOut(BaseModel):
    code: str
    name: str
    effect: str
    kind: str
    kind_label: str
    mandatory: bool
    targets: TargetsOut
    domains: list[str]
    scenarios: list[str]
    implementing_departments: list[str]
    legal_basis: str
    nature: str
    nature_label: str
    bases: list[BasisOut]
    blocks_when_disputed: bool
    applies_to_responsible_persons: bool
    description: str


class ScenarioOut(BaseModel):
    code: str
    name: str


class MeasureListOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": "2026.1",
                    "effective_date": "2026-11-01",
                    "scenarios": [{"code": "civil_service_recruitment", "name": "公务员招录"}],
                    "measures": [
                        {
                            "code": "P-GWY-01",
                            "name": "不得录用为公务员",
                            "effect": "punishment",
                            "kind": "prohibition",
                            "kind_label": "禁止",
                            "mandatory": True,
                            "targets": {"lists": ["black"], "severities": [], "items": [], "conditions": []},
                            "domains": [],
                            "scenarios": ["civil_service_recruitment"],
                            "implementing_departments": ["human_resources"],
                            "legal_basis": "《中华人民共和国公务员法》第二十六条",
                            "nature": "rights_reducing",
                            "nature_label": "减损权益或增加义务",
                            "bases": [{"level": "law", "level_label": "法律",
                                       "citation": "《中华人民共和国公务员法》第二十六条", "scope": []}],
                            "blocks_when_disputed": False,
                            "applies_to_responsible_persons": False,
                            "description": "…",
                        }
                    ],
                }
            ]
        }
    )
    version: str
    effective_date: date
    scenarios: list[ScenarioOut]
    measures: list[MeasureOut]
