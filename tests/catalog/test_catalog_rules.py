"""The catalog: the packaged file, load-time validation (R3) and field coercion."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chengxin.catalog.rules import (
    CONSENT_KINDS,
    CONSENT_WORDS,
    FORBIDDEN_KINDS,
    FORBIDDEN_WORDS,
    RESERVED_FIELDS,
    CatalogError,
    FieldError,
    FieldSpec,
    consent_kind_of,
    default_catalog,
    forbidden_kind_of,
    load_catalog,
    parse_catalog,
)

TODAY = date(2026, 6, 1)

# --- the packaged catalog --------------------------------------------------------------------

CATEGORY_NAMES = [
    "基础信息", "司法裁判及执行", "行政管理信息", "行政许可", "行政处罚", "行政强制", "行政确认",
    "行政检查", "行政奖励", "行政裁决", "其他行政管理", "职业资格与执业", "严重失信主体名单",
    "合同履行", "信用承诺及履行", "信用评价结果", "遵守法律法规", "诚实守信相关荣誉", "表彰奖励",
    "志愿服务", "慈善捐助", "见义勇为", "无偿献血", "公共事业缴费", "知识产权", "主体自愿提供的信用信息",
]  # fmt: skip


def test_packaged_catalog_loads_with_version_and_date() -> None:
    catalog = default_catalog()
    assert catalog.version == "2026.1"
    assert catalog.effective_date == date(2026, 11, 1)
    assert catalog.changes
    assert 60 <= len(catalog.items) <= 90
    assert default_catalog() is catalog  # cached


def test_packaged_catalog_covers_every_category() -> None:
    catalog = default_catalog()
    assert [c.name for c in catalog.categories] == CATEGORY_NAMES
    used = {item.category for item in catalog.items.values()}
    parents = {c.parent for c in catalog.categories if c.parent}
    for category in catalog.categories:
        if category.code not in parents:  # every leaf category has items
            assert category.code in used, category.name
    children = {c.name for c in catalog.categories if c.parent == "XZGL"}
    assert children == {"行政许可", "行政处罚", "行政强制", "行政确认", "行政检查", "行政奖励",
                        "行政裁决", "其他行政管理"}  # fmt: skip


def test_packaged_catalog_has_every_nature_list_and_subject() -> None:
    items = default_catalog().items.values()
    assert {i.nature for i in items} == {"positive", "negative", "neutral"}
    assert {i.list_type for i in items} == {None, "black", "red", "watch"}
    assert {i.subject for i in items} == {"person", "organisation", "both"}
    assert {i.severity for i in items if i.nature == "negative"} == {"minor", "general", "serious"}
    assert any(i.consent_required for i in items)


def test_packaged_catalog_key_items() -> None:
    catalog = default_catalog()
    debtor = catalog.item_by_name("失信被执行人信息")
    assert debtor is not None
    assert (debtor.list_type, debtor.repairable, debtor.source_departments) == ("black", False, ("court",))
    assert debtor.by_label["执行案号"] is debtor.by_name["case_no"]
    penalty = catalog.item("XZCF-01")
    assert penalty is not None and penalty.subject == "both"
    assert penalty.by_name["fine_amount"].type == "decimal"
    assert penalty.by_name["valid_until"].allow_future
    assert "行政处罚法" in penalty.legal_basis
    assert catalog.item("NOPE-01") is None
    assert catalog.item_by_name("不存在的信息") is None
    assert catalog.category_name("XZCF") == "行政处罚"
    assert catalog.category_name("??") == "??"
    assert "XZCF" in catalog.category_codes_under("XZGL")
    assert catalog.category_codes_under("XZCF") == frozenset({"XZCF"})


def test_packaged_catalog_codes_tables() -> None:
    catalog = default_catalog()
    for code in ("court", "market_regulation", "tax", "public_security", "human_resources"):
        assert code in catalog.departments
    for name in ("律师", "教师", "医师", "导游", "网约车司机", "家政服务人员"):
        assert name in catalog.occupations.values()
    for name in ("食品药品", "安全生产", "税收缴纳", "志愿服务", "司法诉讼"):
        assert name in catalog.domains.values()


def test_packaged_catalog_declares_no_envelope_field() -> None:
    for item in default_catalog().items.values():
        for spec in item.fields:
            assert spec.name not in RESERVED_FIELDS
            assert spec.label not in RESERVED_FIELDS.values()
            assert forbidden_kind_of(spec.name, spec.label) is None


# --- validation at load ---------------------------------------------------------------------


def minimal_doc() -> dict[str, Any]:
    """A small valid catalog document; tests mutate a fresh copy."""
    return copy.deepcopy(
        {
            "version": "1.0",
            "effective_date": date(2026, 1, 1),
            "changes": "测试",
            "categories": [
                {"code": "XZGL", "name": "行政管理信息"},
                {"code": "XZCF", "name": "行政处罚", "parent": "XZGL"},
                {"code": "CXRY", "name": "诚实守信相关荣誉"},
            ],
            "domains": [{"code": "tax", "name": "税收"}],
            "occupations": [{"code": "lawyer", "name": "律师"}],
            "departments": [{"code": "court", "name": "法院"}, {"code": "tax", "name": "税务局"}],
            "items": [
                {
                    "code": "XZCF-01", "name": "行政处罚信息", "category": "XZCF",
                    "nature": "negative", "severity": "general", "subject": "both",
                    "list_type": None, "repairable": True, "domains": ["tax"],
                    "occupations": ["lawyer"], "source_departments": ["tax"],
                    "disclosure": "public", "legal_basis": "《中华人民共和国行政处罚法》",
                    "fields": [
                        {"name": "decision_no", "label": "处罚决定书文号", "type": "string",
                         "required": True},
                        {"name": "penalty_type", "label": "处罚类别", "type": "enum",
                         "values": ["警告", "罚款"]},
                    ],
                },
                {
                    "code": "BZJL-01", "name": "表彰奖励信息", "category": "CXRY",
                    "nature": "positive", "subject": "person", "list_type": "red",
                    "source_departments": ["court"], "disclosure": "public",
                    "legal_basis": "国办发〔2016〕98号",
                    "fields": [{"name": "honour", "label": "荣誉名称", "type": "string"}],
                },
            ],
        }
    )  # fmt: skip


Mutation = Callable[[dict[str, Any]], object]


def _neg(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["items"][0]


def _pos(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["items"][1]


def _add_field(**spec: Any) -> Mutation:
    return lambda doc: _neg(doc)["fields"].append(spec)


def test_minimal_doc_is_valid() -> None:
    catalog = parse_catalog(minimal_doc())
    assert list(catalog.items) == ["XZCF-01", "BZJL-01"]
    assert catalog.item("BZJL-01").repairable is False  # type: ignore[union-attr]


INVALID: dict[str, tuple[Mutation, str]] = {
    "unknown top-level key": (lambda d: d.update(extra=1), "顶层结构"),
    "missing top-level key": (lambda d: d.pop("departments"), "顶层结构"),
    "unquoted version": (lambda d: d.update(version=1.0), "version"),
    "bad effective date": (lambda d: d.update(effective_date="2026-13-01"), "effective_date"),
    "duplicate item code": (lambda d: _pos(d).update(code="XZCF-01"), "XZCF-01 重复"),
    "lower-case item code": (lambda d: _neg(d).update(code="xzcf-01"), "编码"),
    "unknown item key": (lambda d: _neg(d).update(nautre="negative"), "未知的键"),
    "duplicate field name": (_add_field(name="decision_no", label="另一个标签", type="string"), "字段名重复"),
    "duplicate field label": (_add_field(name="other", label="处罚类别", type="string"), "字段标签重复"),
    "reserved field name": (_add_field(name="id_number", label="号码", type="string"), "保留字"),
    "reserved field label": (_add_field(name="when", label="决定日期", type="date"), "保留字"),
    "unknown category": (lambda d: _neg(d).update(category="NOPE"), "类别"),
    "unknown domain": (lambda d: _neg(d).update(domains=["nope"]), "领域"),
    "unknown occupation": (lambda d: _neg(d).update(occupations=["nope"]), "职业人群"),
    "unknown department": (lambda d: _neg(d).update(source_departments=["nope"]), "报送部门"),
    "no department": (lambda d: _neg(d).update(source_departments=[]), "报送部门"),
    "bad nature": (lambda d: _neg(d).update(nature="bad"), "nature"),
    "negative without severity": (lambda d: _neg(d).pop("severity"), "severity"),
    "negative with bad severity": (lambda d: _neg(d).update(severity="huge"), "severity"),
    "positive with severity": (lambda d: _pos(d).update(severity="minor"), "severity"),
    "negative without repairable": (lambda d: _neg(d).pop("repairable"), "repairable"),
    "black list on positive": (lambda d: _pos(d).update(list_type="black"), "名单"),
    "watch list on positive": (lambda d: _pos(d).update(list_type="watch"), "名单"),
    "red list on negative": (lambda d: _neg(d).update(list_type="red"), "名单"),
    "red list on neutral": (lambda d: _pos(d).update(nature="neutral"), "名单"),
    "unknown list type": (lambda d: _neg(d).update(list_type="grey"), "list_type"),
    "bad subject": (lambda d: _neg(d).update(subject="company"), "subject"),
    "bad disclosure": (lambda d: _neg(d).update(disclosure="everyone"), "disclosure"),
    "empty legal basis": (lambda d: _neg(d).update(legal_basis="  "), "legal_basis"),
    "missing legal basis": (lambda d: _neg(d).pop("legal_basis"), "legal_basis"),
    "bad field type": (_add_field(name="x", label="某字段", type="money"), "类型"),
    "enum without values": (_add_field(name="x", label="某字段", type="enum"), "values"),
    "enum with empty values": (_add_field(name="x", label="某字段", type="enum", values=[]), "values"),
    "values on a string": (_add_field(name="x", label="某字段", type="string", values=["a"]), "values"),
    "allow_future on a string": (
        _add_field(name="x", label="某字段", type="string", allow_future=True),
        "allow_future",
    ),
    "camelCase field name": (_add_field(name="caseNo", label="案号", type="string"), "snake_case"),
    "consent item made public": (lambda d: _neg(d).update(consent_required=True), "不得向社会公开"),
}


@pytest.mark.parametrize("mutate,fragment", INVALID.values(), ids=list(INVALID))
def test_invalid_catalog_is_refused(mutate: Mutation, fragment: str) -> None:
    doc = minimal_doc()
    mutate(doc)
    with pytest.raises(CatalogError, match=fragment):
        parse_catalog(doc)


@pytest.mark.parametrize(
    "field",
    [
        {"name": "faith", "label": "宗教信仰", "type": "string"},
        {"name": "x", "label": "血型", "type": "enum", "values": ["A", "B", "O", "AB"]},
        {"name": "blood_type", "label": "某项", "type": "string"},
        {"name": "fingerprint_image", "label": "图像", "type": "text"},
        {"name": "x", "label": "既往病史", "type": "text"},
        {"name": "x", "label": "疾病名称", "type": "string"},
        {"name": "x", "label": "基因检测结果", "type": "string"},
        {"name": "innocent", "label": "看似无害", "type": "string", "kind": "religion"},
        {"name": "innocent", "label": "看似无害", "type": "string", "kind": "biometric"},
    ],
    ids=lambda f: f"{f['name']}/{f['label']}/{f.get('kind')}",
)
def test_forbidden_field_is_refused(field: dict[str, Any]) -> None:
    doc = minimal_doc()
    _neg(doc)["fields"].append(field)
    with pytest.raises(CatalogError, match="不得采集"):
        parse_catalog(doc)


@pytest.mark.parametrize(
    "field",
    [
        {"name": "base", "label": "缴费基数（元）", "type": "decimal", "kind": "income"},
        {"name": "x", "label": "月收入（元）", "type": "decimal"},
        {"name": "deposit_balance", "label": "余额", "type": "decimal"},
        {"name": "x", "label": "名下房产套数", "type": "integer"},
        {"name": "x", "label": "年度纳税额", "type": "decimal"},
        {"name": "tax_amount", "label": "税额", "type": "decimal"},
    ],
    ids=lambda f: f"{f['name']}/{f['label']}",
)
def test_consent_field_needs_consent_required(field: dict[str, Any]) -> None:
    doc = minimal_doc()
    _neg(doc)["fields"].append(field)
    with pytest.raises(CatalogError, match="consent_required"):
        parse_catalog(doc)
    _neg(doc).update(consent_required=True, disclosure="authorised")
    item = parse_catalog(doc).item("XZCF-01")
    assert item is not None and item.consent_required
    assert field["name"] in item.by_name


def test_load_catalog_from_path(tmp_path: Path) -> None:
    good = tmp_path / "catalog.yaml"
    good.write_text(
        (Path(__file__).parents[2] / "src/chengxin/catalog/catalog.yaml").read_text("utf-8"),
        "utf-8",
    )
    assert load_catalog(good).version == "2026.1"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [unclosed\n", "utf-8")
    with pytest.raises(CatalogError, match="YAML"):
        load_catalog(bad)


# --- words that betray forbidden or consent-only data -----------------------------------------


@pytest.mark.parametrize(
    "name,label,kind",
    [
        ("religion", "", "religion"),
        ("x", "宗教信仰", "religion"),
        ("x", "血型", "blood_type"),
        ("bloodType", "", "blood_type"),
        ("blood_group", "", "blood_type"),
        ("dna_sample", "", "genes"),
        ("x", "指纹", "fingerprint"),
        ("x", "人脸照片", "biometric"),
        ("x", "Medical history", "medical_history"),
        ("x", "病历号", "medical_history"),
        ("x", "诊断结论", "disease"),
        # Everyday columns that merely contain a forbidden word's letters or characters.
        ("blood_donation_count", "累计献血次数", None),
        ("medical_institution", "医疗机构", None),
        ("general_manager", "总经理", None),
        ("surface_area", "面积", None),
    ],
)
def test_forbidden_kind_of(name: str, label: str, kind: str | None) -> None:
    assert forbidden_kind_of(name, label) == kind


@pytest.mark.parametrize(
    "name,label,kind",
    [
        ("salary", "", "income"),
        ("x", "工资收入", "income"),
        ("x", "存款余额", "deposits"),
        ("stock_holdings", "", "securities"),
        ("x", "商业保险", "insurance"),
        ("real_estate_count", "", "real_estate"),
        ("x", "不动产", "real_estate"),
        ("x", "纳税额", "tax_amount"),
        ("intellectual_property", "知识产权", None),
        ("arrears_amount", "欠税余额（元）", None),
    ],
)
def test_consent_kind_of(name: str, label: str, kind: str | None) -> None:
    assert consent_kind_of(name, label) == kind


def test_word_tables_are_consistent() -> None:
    assert set(FORBIDDEN_KINDS) == {"religion", "genes", "fingerprint", "biometric",
                                    "blood_type", "disease", "medical_history"}  # fmt: skip
    assert set(CONSENT_KINDS) == {"income", "deposits", "securities", "insurance",
                                  "real_estate", "tax_amount"}  # fmt: skip
    for word in ("宗教", "基因", "指纹", "血型", "疾病", "病史", "religion", "fingerprint"):
        assert word in FORBIDDEN_WORDS
    for word in ("收入", "工资", "存款", "证券", "保险", "房产", "不动产", "纳税额"):
        assert word in CONSENT_WORDS
    for word in FORBIDDEN_WORDS:
        assert forbidden_kind_of(word) in FORBIDDEN_KINDS, word
    for word in CONSENT_WORDS:
        assert consent_kind_of(word) in CONSENT_KINDS, word


# --- coercion -------------------------------------------------------------------------------


def _error(spec: FieldSpec, raw: object) -> str:
    with pytest.raises(FieldError) as info:
        spec.coerce(raw, TODAY)
    assert info.value.message
    return info.value.code


def test_missing_values() -> None:
    required = FieldSpec("x", "某项", "string", required=True)
    optional = FieldSpec("x", "某项", "date")
    for raw in (None, "", "   "):
        assert _error(required, raw) == "FIELD_REQUIRED"
        assert optional.coerce(raw, TODAY) is None


def test_string_and_text() -> None:
    spec = FieldSpec("x", "文号", "string")
    assert spec.coerce("  罚〔2026〕1号 ", TODAY) == "罚〔2026〕1号"
    assert spec.coerce(12345, TODAY) == "12345"
    assert spec.coerce(12345.0, TODAY) == "12345"
    assert spec.coerce(Decimal("1.50"), TODAY) == "1.50"
    assert spec.coerce("字" * 200, TODAY) == "字" * 200
    assert _error(spec, "字" * 201) == "FIELD_TOO_LONG"
    assert _error(FieldSpec("x", "文号", "string", max_length=5), "123456") == "FIELD_TOO_LONG"
    assert FieldSpec("x", "事实", "text").coerce("字" * 2000, TODAY) == "字" * 2000
    assert _error(FieldSpec("x", "事实", "text"), "字" * 2001) == "FIELD_TOO_LONG"
    assert _error(spec, True) == "FIELD_TYPE"
    assert _error(spec, date(2026, 1, 1)) == "FIELD_TYPE"
    assert _error(spec, ["a"]) == "FIELD_TYPE"


def test_enum() -> None:
    spec = FieldSpec("x", "处罚类别", "enum", values=("警告", "罚款"))
    assert spec.coerce(" 罚款 ", TODAY) == "罚款"
    assert _error(spec, "拘留") == "FIELD_VALUE_NOT_ALLOWED"
    assert _error(spec, True) == "FIELD_TYPE"


@pytest.mark.parametrize(
    "raw",
    ["2026-03-04", "2026/03/04", "2026/3/4", "2026-3-4", "2026.03.04", "20260304",
     "2026年3月4日", "2026年03月04日", "2026-03-04 00:00:00", "2026-03-04T08:30",
     date(2026, 3, 4), datetime(2026, 3, 4, 23, 59)],
)  # fmt: skip
def test_date_formats(raw: object) -> None:
    assert FieldSpec("x", "日期", "date").coerce(raw, TODAY) == "2026-03-04"


@pytest.mark.parametrize(
    "raw", ["2026-02-30", "2026-13-01", "20261301", "2026年2月30日", "2026年3月4", "04/03/2026",
            "明天", "2026-03-04 later", "１９９０-01-01", "1899-12-31"],
)  # fmt: skip
def test_invalid_dates(raw: str) -> None:
    assert _error(FieldSpec("x", "日期", "date"), raw) == "FIELD_DATE_INVALID"


def test_date_type_and_future() -> None:
    spec = FieldSpec("x", "日期", "date")
    assert _error(spec, 20260304) == "FIELD_TYPE"
    assert spec.coerce("2026-06-01", TODAY) == "2026-06-01"  # today itself is fine
    assert _error(spec, "2026-06-02") == "FIELD_DATE_FUTURE"
    assert _error(spec, date(2030, 1, 1)) == "FIELD_DATE_FUTURE"
    future_ok = FieldSpec("x", "公示截止期", "date", allow_future=True)
    assert future_ok.coerce("2029-06-02", TODAY) == "2029-06-02"


def test_integer() -> None:
    spec = FieldSpec("x", "人数", "integer")
    assert spec.coerce("12", TODAY) == 12
    assert spec.coerce(" -3 ", TODAY) == -3
    assert spec.coerce("1,234", TODAY) == 1234
    assert spec.coerce("12.0", TODAY) == 12
    assert spec.coerce(7, TODAY) == 7
    assert spec.coerce(7.0, TODAY) == 7
    assert spec.coerce(Decimal("8"), TODAY) == 8
    for raw in ("1.5", "abc", "NaN", 1.5, Decimal("2.5")):
        assert _error(spec, raw) == "FIELD_NUMBER_INVALID", raw
    for raw in ("1e999999999", "9" * 5000, 10 ** 40, 1e40):  # bounded, and never Python's 4300-digit error
        assert _error(spec, raw) == "FIELD_NUMBER_INVALID", raw
    assert _error(spec, True) == "FIELD_TYPE"
    assert _error(spec, date(2026, 1, 1)) == "FIELD_TYPE"


def test_decimal() -> None:
    spec = FieldSpec("x", "罚款金额（万元）", "decimal")
    # One text per amount (the content hash is taken over it): no trailing zeros, no exponent.
    for raw in ("12.50", "12.5", " 12.500 ", "+12.5", 12.5, Decimal("12.50"), "1.25E+1"):
        assert spec.coerce(raw, TODAY) == "12.5", raw
    assert spec.coerce("1,000.50", TODAY) == "1000.5"
    assert spec.coerce(3, TODAY) == spec.coerce("3.00", TODAY) == spec.coerce(3.0, TODAY) == "3"
    assert spec.coerce(0.1, TODAY) == "0.1"
    assert spec.coerce(0.1 + 0.2, TODAY) == "0.3"  # a spreadsheet's computed cell, as it shows
    assert spec.coerce(Decimal("1E+3"), TODAY) == spec.coerce("1000.0", TODAY) == "1000"
    assert spec.coerce("-0.00", TODAY) == spec.coerce(0.0, TODAY) == "0"
    assert spec.coerce("0.000001", TODAY) == "0.000001"
    for raw in ("abc", "NaN", "Infinity", "1.2.3"):
        assert _error(spec, raw) == "FIELD_NUMBER_INVALID", raw
    # A short text that would expand to a billion digits is refused, not written out.
    for raw in ("1e999999999", "-1E+40", "1e-40", 10 ** 40):
        assert _error(spec, raw) == "FIELD_NUMBER_INVALID", raw
    assert _error(spec, False) == "FIELD_TYPE"


def test_boolean() -> None:
    spec = FieldSpec("x", "是否吊销", "boolean")
    for raw in ("是", "true", "TRUE", "1", 1, True):
        assert spec.coerce(raw, TODAY) is True
    for raw in ("否", "false", "0", 0, False):
        assert spec.coerce(raw, TODAY) is False
    for raw in ("也许", 2, 1.0):
        assert _error(spec, raw) == "FIELD_TYPE"


def test_uscc() -> None:
    spec = FieldSpec("x", "机关代码", "uscc")
    assert spec.coerce("91350100M000100Y43", TODAY) == "91350100M000100Y43"
    assert spec.coerce(" 91310115ma1k3btp2b ", TODAY) == "91310115MA1K3BTP2B"
    for raw in ("91350100M000100Y4Z", "91110000600037341N", "9135", "91350100I000100Y43"):
        assert _error(spec, raw) == "FIELD_VALUE_NOT_ALLOWED", raw


def test_unknown_type_is_refused() -> None:
    with pytest.raises(CatalogError):
        FieldSpec("x", "某项", "money")
