"""Pydantic shapes for organisations and their responsible persons."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class RolePersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str = Field(description="legal_representative | main_responsible | directly_responsible"
                                  " | actual_controller | responsible_person")
    id_type: str = "citizen_id"
    id_number: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=100)
    since: date | None = None


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "某某食品有限公司",
        "persons": [{"role": "legal_representative", "id_type": "citizen_id",
                     "id_number": "11010519491231002X", "name": "张三", "since": "2020-01-01"}],
    }]})
    name: str = Field(..., min_length=1, max_length=200)
    persons: list[RolePersonIn] = Field(default_factory=list, max_length=200)


class RolePersonOut(BaseModel):
    role: str
    role_label: str
    person_key: str
    name: str
    id_number: str
    since: date | None


class ConflictRef(BaseModel):
    id: str
    kind: str


class OrganisationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "uscc": "91350100M000100Y43", "name": "某某食品有限公司", "registered_by": "market_regulation",
        "persons": [{"role": "legal_representative", "role_label": "法定代表人",
                     "person_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e", "name": "张*",
                     "id_number": "1101**********002X", "since": "2020-01-01"}],
        "conflicts": [],
    }]})
    uscc: str
    name: str
    registered_by: str | None = Field(description="登记该组织、负责其名称与责任人信息的部门")
    persons: list[RolePersonOut]
    conflicts: list[ConflictRef] = Field(
        default_factory=list,
        description="本次登记与登记部门的信息不一致、未予采用而提交信用办核实的冲突（HTTP 202）")
