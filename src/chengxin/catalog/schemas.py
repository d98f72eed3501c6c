"""API shapes of the catalog: the whole catalog with item summaries, and one item."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.catalog.rules import RESERVED_FIELDS, Catalog, CatalogItem, FieldSpec

Nature = Literal["positive", "negative", "neutral"]
Severity = Literal["minor", "general", "serious"]
Subject = Literal["person", "organisation", "both"]
ListType = Literal["black", "red", "watch"]
Disclosure = Literal["public", "government", "authorised"]
FieldType = Literal["string", "text", "date", "integer", "decimal", "enum", "boolean", "uscc"]


class CodeName(BaseModel):
    """A coded entry: a domain, an occupation, a department or an envelope field."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "tax", "name": "税收缴纳"}]})

    code: str
    name: str


class CategoryOut(BaseModel):
    """A catalog category; a child names its parent."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "XZCF", "name": "行政处罚", "parent": "XZGL"}]})

    code: str
    name: str
    parent: str | None = None


class FieldOut(BaseModel):
    """One item-specific field: the column a department fills in."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "penalty_type",
                    "label": "处罚类别",
                    "type": "enum",
                    "required": True,
                    "values": ["警告", "通报批评", "罚款"],
                    "max_length": None,
                    "allow_future": False,
                    "kind": None,
                }
            ]
        }
    )

    name: str
    label: str
    type: FieldType
    required: bool
    values: list[str]
    max_length: int | None
    allow_future: bool
    kind: str | None

    @classmethod
    def of(cls, spec: FieldSpec) -> FieldOut:
        return cls(
            name=spec.name,
            label=spec.label,
            type=spec.type,  # type: ignore[arg-type]
            required=spec.required,
            values=list(spec.values),
            max_length=spec.max_length,
            allow_future=spec.allow_future,
            kind=spec.kind,
        )


_SUMMARY_EXAMPLE = {
    "code": "SFCP-01",
    "name": "失信被执行人信息",
    "category": "SFCP",
    "category_name": "司法裁判及执行",
    "nature": "negative",
    "severity": "serious",
    "subject": "both",
    "list_type": "black",
    "repairable": False,
    "domains": ["judicial"],
    "occupations": [],
    "source_departments": ["court"],
    "disclosure": "public",
    "consent_required": False,
    "identity_source": False,
}


def _summary(item: CatalogItem, catalog: Catalog) -> dict[str, object]:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "category_name": catalog.category_name(item.category),
        "nature": item.nature,
        "severity": item.severity,
        "subject": item.subject,
        "list_type": item.list_type,
        "repairable": item.repairable,
        "domains": list(item.domains),
        "occupations": list(item.occupations),
        "source_departments": list(item.source_departments),
        "disclosure": item.disclosure,
        "consent_required": item.consent_required,
        "identity_source": item.identity_source,
    }


class ItemSummary(BaseModel):
    """What an item records, about whom and from whom, without its fields."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUMMARY_EXAMPLE]})

    code: str
    name: str
    category: str
    category_name: str
    nature: Nature
    severity: Severity | None
    subject: Subject
    list_type: ListType | None
    repairable: bool
    domains: list[str]
    occupations: list[str]
    source_departments: list[str]
    disclosure: Disclosure
    consent_required: bool
    identity_source: bool = Field(False, description="户籍登记信息：其中的姓名即平台登记的本人姓名")

    @classmethod
    def of(cls, item: CatalogItem, catalog: Catalog) -> ItemSummary:
        return cls.model_validate(_summary(item, catalog))


class ItemOut(ItemSummary):
    """One item in full: its legal basis and the fields a record of it carries."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SUMMARY_EXAMPLE,
                    "legal_basis": ("《最高人民法院关于公布失信被执行人名单信息的若干规定》（法释〔2017〕7号）"),
                    "fields": [
                        {
                            "name": "case_no",
                            "label": "执行案号",
                            "type": "string",
                            "required": True,
                            "values": [],
                            "max_length": 64,
                            "allow_future": False,
                            "kind": None,
                        }
                    ],
                }
            ]
        }
    )

    legal_basis: str
    fields: list[FieldOut]

    @classmethod
    def of(cls, item: CatalogItem, catalog: Catalog) -> ItemOut:
        return cls.model_validate(
            {
                **_summary(item, catalog),
                "legal_basis": item.legal_basis,
                "fields": [FieldOut.of(f) for f in item.fields],
            }
        )


class CatalogOut(BaseModel):
    """The catalog version in force, its code tables and (possibly filtered) item summaries."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": "2026.1",
                    "effective_date": "2026-11-01",
                    "changes": "首个版本",
                    "categories": [{"code": "SFCP", "name": "司法裁判及执行", "parent": None}],
                    "domains": [{"code": "judicial", "name": "司法诉讼"}],
                    "occupations": [{"code": "lawyer", "name": "律师"}],
                    "departments": [{"code": "court", "name": "市中级人民法院"}],
                    "envelope": [{"code": "id_number", "name": "证件号码"}],
                    "items": [_SUMMARY_EXAMPLE],
                }
            ]
        }
    )

    version: str
    effective_date: date
    changes: str
    categories: list[CategoryOut]
    domains: list[CodeName]
    occupations: list[CodeName]
    departments: list[CodeName]
    envelope: list[CodeName]
    items: list[ItemSummary]

    @classmethod
    def of(cls, catalog: Catalog, items: list[CatalogItem]) -> CatalogOut:
        def table(mapping: Mapping[str, str]) -> list[CodeName]:
            return [CodeName(code=c, name=n) for c, n in mapping.items()]

        return cls(
            version=catalog.version,
            effective_date=catalog.effective_date,
            changes=catalog.changes,
            categories=[CategoryOut(code=c.code, name=c.name, parent=c.parent) for c in catalog.categories],
            domains=table(catalog.domains),
            occupations=table(catalog.occupations),
            departments=table(catalog.departments),
            envelope=table(RESERVED_FIELDS),
            items=[ItemSummary.of(i, catalog) for i in items],
        )
