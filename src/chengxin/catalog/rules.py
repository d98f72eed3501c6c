"""The catalog as plain values: what may be collected, and how each field is read.

`load_catalog` reads the versioned YAML and refuses an invalid one (R3: no
forbidden data, consent-only data only where consent is declared). `FieldSpec.
coerce` normalises one submitted value; it runs once per field per row in bulk
imports, so its valid path compiles no regex and allocates little.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from operator import mul
from pathlib import Path
from types import MappingProxyType
from typing import Any

from chengxin.datafiles import read_yaml
from chengxin.legalbasis import Basis, BasisError, citations, parse_bases

# --- what every record carries already (the envelope) -------------------------------------

RESERVED_FIELDS: dict[str, str] = {
    "item_code": "目录项编码",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "name": "姓名",
    "uscc": "统一社会信用代码",
    "org_name": "主体名称",
    "source_record_id": "源记录编号",
    "decision_date": "决定日期",
    "severity": "失信程度",
    "severity_reason": "程度调整理由",
    "note": "备注",
}

# --- R3: never collected, and collected only with written consent -------------------------

_ART14 = "《征信业管理条例》第十四条禁止采集"
FORBIDDEN_KINDS: dict[str, str] = {
    "religion": f"{_ART14}个人的宗教信仰",
    "genes": f"{_ART14}个人的基因信息",
    "fingerprint": f"{_ART14}个人的指纹信息",
    "biometric": "人脸、虹膜、声纹等生物识别信息属于敏感个人信息，与信用无关，不得采集",
    "blood_type": f"{_ART14}个人的血型信息",
    "disease": f"{_ART14}个人的疾病信息",
    "medical_history": f"{_ART14}个人的病史信息",
}

_CONSENT = "须经信息主体书面同意后方可采集（《征信业管理条例》第十四条）"
CONSENT_KINDS: dict[str, str] = {
    "income": f"个人收入信息{_CONSENT}",
    "deposits": f"个人存款信息{_CONSENT}",
    "securities": f"个人有价证券信息{_CONSENT}",
    "insurance": f"个人商业保险信息{_CONSENT}",
    "real_estate": f"个人不动产信息{_CONSENT}",
    "tax_amount": f"个人纳税数额信息{_CONSENT}",
}

# The words that betray a kind in a column name or label, per kind: Chinese
# substrings, English tokens (whole words of a snake_case, camelCase or spaced
# name) and English two-word phrases. Some English words count only inside a
# phrase because alone they are everyday column names: "blood" would reject
# 无偿献血 columns (blood_donation_count), "medical" would reject 医疗机构
# (medical_institution); whole-token matching keeps "gene" from "general".
_Signs = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_FORBIDDEN_SIGNS: dict[str, _Signs] = {
    "religion": (("宗教", "信仰"), ("religion", "religious", "faith"), ()),
    "genes": (
        ("基因", "脱氧核糖核酸"),
        ("gene", "genes", "genetic", "genome", "genomic", "dna"),
        (),
    ),
    "fingerprint": (("指纹",), ("fingerprint", "fingerprints"), ()),
    "biometric": (
        ("虹膜", "人脸", "面部特征", "面部识别", "声纹", "掌纹", "生物识别"),
        ("biometric", "biometrics", "iris", "facial", "faceprint", "voiceprint"),
        ("face_image", "face_feature", "face_features", "face_template"),
    ),
    "blood_type": (("血型",), ("bloodtype",), ("blood_type", "blood_group")),
    "disease": (
        ("疾病", "病情", "诊断", "患病", "健康状况"),
        ("disease", "diseases", "illness", "diagnosis", "diagnoses"),
        ("health_condition",),
    ),
    "medical_history": (
        ("病史", "病历", "既往史"),
        ("anamnesis",),
        ("medical_history", "medical_record", "medical_records"),
    ),
}
_CONSENT_SIGNS: dict[str, _Signs] = {
    "income": (
        ("收入", "工资", "薪酬", "薪金", "年薪", "月薪"),
        ("income", "salary", "salaries", "wage", "wages", "payroll"),
        (),
    ),
    "deposits": (("存款", "储蓄", "账户余额"), ("deposit", "deposits", "savings"), ()),
    "securities": (
        ("证券", "股票", "持股"),
        ("securities", "stock", "stocks", "shareholding"),
        (),
    ),
    "insurance": (("保险", "保单"), ("insurance",), ()),
    "real_estate": (
        ("房产", "不动产", "房屋产权"),
        ("realty", "realestate"),
        ("real_estate", "property_ownership"),
    ),
    "tax_amount": (
        ("纳税额", "纳税金额", "缴税金额", "个人所得税"),
        (),
        ("tax_amount", "tax_paid", "taxes_paid"),
    ),
}


class _Words:
    """The signs of some kinds, inverted for lookup: word -> kind."""

    def __init__(self, signs: Mapping[str, _Signs]) -> None:
        self.zh = {w: kind for kind, (zh, _, _) in signs.items() for w in zh}
        self.en = {w: kind for kind, (_, en, _) in signs.items() for w in en}
        self.pairs = {tuple(p.split("_")): kind for kind, (_, _, pairs) in signs.items() for p in pairs}
        self.all = (*self.zh, *self.en, *(p for _, _, pairs in signs.values() for p in pairs))


_FORBIDDEN = _Words(_FORBIDDEN_SIGNS)
_CONSENT_ONLY = _Words(_CONSENT_SIGNS)
FORBIDDEN_WORDS: tuple[str, ...] = _FORBIDDEN.all
CONSENT_WORDS: tuple[str, ...] = _CONSENT_ONLY.all

_TOKEN_SPLIT = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN_SPLIT.split(_CAMEL.sub("_", text).lower()) if t]


def _kind_of(texts: Iterable[str], words: _Words) -> str | None:
    for text in texts:
        if not text:
            continue
        for word, kind in words.zh.items():
            if word in text:
                return kind
        tokens = _tokens(text)
        for i, token in enumerate(tokens):
            kind = words.en.get(token)
            if kind is None and i + 1 < len(tokens):
                kind = words.pairs.get((token, tokens[i + 1]))
            if kind is not None:
                return kind
    return None


def forbidden_kind_of(name: str, label: str = "") -> str | None:
    """The forbidden kind (R3) a column name or label betrays, else None."""
    return _kind_of((name, label), _FORBIDDEN)


def consent_kind_of(name: str, label: str = "") -> str | None:
    """The consent-only kind (R3) a column name or label betrays, else None."""
    return _kind_of((name, label), _CONSENT_ONLY)


# --- errors --------------------------------------------------------------------------------


class CatalogError(Exception):
    """The catalog file is invalid; the message says which item or field and why."""


class FieldError(Exception):
    """A submitted value does not fit its field; `code` is stable, `message` is Chinese."""

    FIELD_REQUIRED = "FIELD_REQUIRED"
    FIELD_TYPE = "FIELD_TYPE"
    FIELD_DATE_INVALID = "FIELD_DATE_INVALID"
    FIELD_DATE_FUTURE = "FIELD_DATE_FUTURE"
    FIELD_TOO_LONG = "FIELD_TOO_LONG"
    FIELD_VALUE_NOT_ALLOWED = "FIELD_VALUE_NOT_ALLOWED"
    FIELD_NUMBER_INVALID = "FIELD_NUMBER_INVALID"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --- one field, and how a submitted value is read ---------------------------------------------

FIELD_TYPES = ("string", "text", "date", "integer", "decimal", "enum", "boolean", "uscc")
DEFAULT_MAX_LENGTH = {"string": 200, "text": 2000, "enum": 200, "uscc": 18}
MIN_YEAR = 1900

_TRUE = frozenset({"是", "true", "1", "yes", "y"})
_FALSE = frozenset({"否", "false", "0", "no", "n"})
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_CHARS)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Parse results remembered across calls (bounded; cleared when full).
_CACHE_SIZE = 65536
_DATE_CACHE: dict[str, tuple[date, str] | None] = {}
_USCC_SEEN: set[str] = set()
_MISS = object()
# Only the slow path (a date followed by a time) uses this; compiled once.
_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One item-specific column: its name, Chinese label, type and limits."""

    name: str
    label: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    max_length: int | None = None
    allow_future: bool = False
    kind: str | None = None
    # Precomputed in __post_init__ so that coerce does no lookups it can avoid.
    _reader: Callable[[FieldSpec, Any, date], object] = field(init=False, repr=False, compare=False)
    _allowed: frozenset[str] = field(init=False, repr=False, compare=False)
    _limit: int = field(init=False, repr=False, compare=False)
    # 1 for string/text, 2 for enum: text read in coerce itself, without two more calls.
    _inline: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        reader = _READERS.get(self.type)
        if reader is None:
            raise CatalogError(f"字段 {self.name}：不支持的类型 {self.type!r}")
        object.__setattr__(self, "_reader", reader)
        object.__setattr__(self, "_allowed", frozenset(self.values))
        limit = self.max_length or DEFAULT_MAX_LENGTH.get(self.type, 0)
        object.__setattr__(self, "_limit", limit)
        inline = 1 if reader is _read_string else 2 if reader is _read_enum else 0
        object.__setattr__(self, "_inline", inline)

    def coerce(self, raw: object, today: date) -> object | None:
        """The normalised, JSON-ready value of `raw`, or None when missing and optional."""
        if raw.__class__ is str:
            raw = raw.strip()  # type: ignore[attr-defined]
            if not raw:
                return self._missing()
            # The valid paths of _read_string and _read_enum for text, inlined.
            inline = self._inline
            if inline == 1 and len(raw) <= self._limit:  # type: ignore[arg-type]
                return raw
            if inline == 2 and raw in self._allowed:
                return raw
        elif raw is None:
            return self._missing()
        return self._reader(self, raw, today)

    def _missing(self) -> None:
        if self.required:
            raise FieldError(FieldError.FIELD_REQUIRED, "不能为空")


def _as_text(spec: FieldSpec, raw: object) -> str:
    if raw.__class__ is str:
        return raw  # type: ignore[return-value]
    if isinstance(raw, (bool, date)):
        raise FieldError(FieldError.FIELD_TYPE, "应为文字")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        # Spreadsheets hand over 12345 as 12345.0.
        return str(int(raw)) if raw.is_integer() else repr(raw)
    if isinstance(raw, Decimal):
        return format(raw, "f")
    if isinstance(raw, str):
        return str(raw).strip()
    raise FieldError(FieldError.FIELD_TYPE, "应为文字")


def _read_string(spec: FieldSpec, raw: object, today: date) -> str:
    text = _as_text(spec, raw)
    if len(text) > spec._limit:
        raise FieldError(FieldError.FIELD_TOO_LONG, f"长度不能超过 {spec._limit} 个字符")
    return text


def _read_enum(spec: FieldSpec, raw: object, today: date) -> str:
    text = _as_text(spec, raw)
    if text not in spec._allowed:
        shown = "、".join(spec.values[:12]) + ("等" if len(spec.values) > 12 else "")
        raise FieldError(FieldError.FIELD_VALUE_NOT_ALLOWED, f"“{text[:40]}”不是可选值（{shown}）")
    return text


def _read_uscc(spec: FieldSpec, raw: object, today: date) -> str:
    code = _as_text(spec, raw).upper()
    if code in _USCC_SEEN:  # authorities' codes repeat on every row of a file
        return code
    if len(code) != 18:
        raise FieldError(FieldError.FIELD_VALUE_NOT_ALLOWED, "统一社会信用代码应为18位")
    try:
        total = sum(map(mul, map(_USCC_VALUE.__getitem__, code[:17]), _USCC_WEIGHTS))
    except KeyError:
        raise FieldError(FieldError.FIELD_VALUE_NOT_ALLOWED, "统一社会信用代码含有不允许的字符") from None
    if code[17] != _USCC_CHARS[(31 - total % 31) % 31]:
        raise FieldError(FieldError.FIELD_VALUE_NOT_ALLOWED, "统一社会信用代码校验码错误")
    if len(_USCC_SEEN) >= _CACHE_SIZE:
        _USCC_SEEN.clear()
    _USCC_SEEN.add(code)
    return code


def _date_from_parts(y: str, m: str, d: str) -> date | None:
    if not (len(y) == 4 and 1 <= len(m) <= 2 and 1 <= len(d) <= 2 and (y + m + d).isascii() and (y + m + d).isdigit()):
        return None
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def _parse_date_text(text: str) -> date | None:
    n = len(text)
    if n == 10 and text[4] == text[7] and text[4] in "-/.":
        # The C parser reads exactly YYYY-MM-DD in ASCII digits here, fast.
        try:
            return date.fromisoformat(text if text[4] == "-" else text.replace(text[4], "-"))
        except ValueError:
            return None
    if n == 8 and text.isascii() and text.isdigit():
        return _date_from_parts(text[:4], text[4:6], text[6:])
    if "年" in text:
        y, _, rest = text.partition("年")
        m, has_month, rest = rest.partition("月")
        d, has_day, rest = rest.partition("日")
        if not (has_month and has_day) or rest:
            return None
        return _date_from_parts(y.strip(), m.strip(), d.strip())
    if n > 10 and _TIME_TAIL.fullmatch(text, 10):
        return _parse_date_text(text[:10])
    for sep in "-/.":
        if sep in text:
            parts = text.split(sep)
            return _date_from_parts(*parts) if len(parts) == 3 else None
    return None


def _parse_date_cached(text: str) -> tuple[date, str] | None:
    # Bulk files repeat a few thousand distinct dates over millions of rows, so
    # remembering the parse (and its ISO form) is the cheapest path by far.
    hit = _DATE_CACHE.get(text, _MISS)
    if hit is not _MISS:
        return hit  # type: ignore[return-value]
    day = _parse_date_text(text)
    parsed = None if day is None else (day, day.isoformat())
    if len(_DATE_CACHE) >= _CACHE_SIZE:
        _DATE_CACHE.clear()
    _DATE_CACHE[text] = parsed
    return parsed


def _read_date(spec: FieldSpec, raw: object, today: date) -> str:
    if raw.__class__ is str:
        parsed = _parse_date_cached(raw)  # type: ignore[arg-type]
        if parsed is None:
            raise FieldError(FieldError.FIELD_DATE_INVALID, f"“{raw!s:.40}”不是有效日期（如 2026-01-31）")
        day, iso = parsed
    elif isinstance(raw, datetime):
        day = raw.date()
        iso = day.isoformat()
    elif isinstance(raw, date):
        day = raw
        iso = day.isoformat()
    else:
        raise FieldError(FieldError.FIELD_TYPE, "应为日期（如 2026-01-31）")
    if day.year < MIN_YEAR:
        raise FieldError(FieldError.FIELD_DATE_INVALID, f"日期早于 {MIN_YEAR} 年，不是有效日期")
    if day > today and not spec.allow_future:
        raise FieldError(FieldError.FIELD_DATE_FUTURE, "日期不能晚于今天")
    return iso


def _number_text(raw: object) -> str:
    if raw.__class__ is str:
        return raw.replace(",", "")  # type: ignore[attr-defined]
    raise FieldError(FieldError.FIELD_TYPE, "应为数字")


# Numbers are taken to 30 digits either side of the point: beyond any amount or count a record
# holds, and a bound on the text they expand to ("1e999999999" is eleven characters).
NUMBER_DIGITS = 30


def _out_of_range(raw: object) -> FieldError:
    return FieldError(FieldError.FIELD_NUMBER_INVALID, f"“{raw!s:.40}”超出可接受的范围")


def _read_integer(spec: FieldSpec, raw: object, today: date) -> int:
    cls = raw.__class__
    if cls is int:
        if abs(raw) >= 10 ** NUMBER_DIGITS:  # type: ignore[operator, arg-type]
            raise _out_of_range(raw)
        return raw  # type: ignore[return-value]
    if cls is float:
        if raw.is_integer() and abs(raw) < 10 ** NUMBER_DIGITS:  # type: ignore[attr-defined, arg-type]
            return int(raw)  # type: ignore[call-overload]
        raise FieldError(FieldError.FIELD_NUMBER_INVALID, "应为整数")
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = _number_text(raw)
        if text.isascii() and len(text) <= NUMBER_DIGITS and (
                text.isdigit() or (text[:1] in "+-" and text[1:].isdigit())):
            return int(text)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise FieldError(FieldError.FIELD_NUMBER_INVALID, f"“{raw!s:.40}”不是有效整数") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise FieldError(FieldError.FIELD_NUMBER_INVALID, f"“{raw!s:.40}”不是有效整数")
    if value and value.adjusted() >= NUMBER_DIGITS:
        raise _out_of_range(raw)
    return int(value)


def _read_decimal(spec: FieldSpec, raw: object, today: date) -> str:
    """The amount's one canonical text, whatever its form: "7.10", "7.1", 7.1 from a JSON
    number or a spreadsheet number cell, and "7.100" all read "7.1" (the content hash of a
    record is taken over this text, so the same amount is never a new version)."""
    cls = raw.__class__
    if cls is int:
        value = Decimal(raw)  # type: ignore[arg-type]
    elif cls is float:
        # A binary double (a JSON number, a spreadsheet cell) holds 15 significant decimal
        # digits for sure, and a spreadsheet shows no more: 7.1 stays 7.1, and a cell computed
        # as 0.1 + 0.2 reads 0.3 as it shows, not 0.30000000000000004.
        value = Decimal(format(raw, ".15g"))
    elif isinstance(raw, Decimal):
        value = raw
    else:
        text = _number_text(raw)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise FieldError(FieldError.FIELD_NUMBER_INVALID, f"“{raw!s:.40}”不是有效数字") from None
    if not value.is_finite():
        raise FieldError(FieldError.FIELD_NUMBER_INVALID, "不是有效数字")
    return _canonical_decimal(value, raw)


def _canonical_decimal(value: Decimal, raw: object = None) -> str:
    """Plain digits without an exponent, trailing zeros or a signed zero: 7.10 -> "7.1",
    1E+3 -> "1000", -0.00 -> "0"."""
    if not value:
        return "0"
    if not -NUMBER_DIGITS <= value.adjusted() < NUMBER_DIGITS:
        raise _out_of_range(value if raw is None else raw)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _read_boolean(spec: FieldSpec, raw: object, today: date) -> bool:
    if raw.__class__ is bool:
        return raw  # type: ignore[return-value]
    if raw.__class__ is int and raw in (0, 1):
        return raw == 1
    if raw.__class__ is str:
        text = raw.lower()  # type: ignore[attr-defined]
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise FieldError(FieldError.FIELD_TYPE, "应填写“是”或“否”")


_READERS: dict[str, Callable[[FieldSpec, Any, date], object]] = {
    "string": _read_string,
    "text": _read_string,
    "enum": _read_enum,
    "uscc": _read_uscc,
    "date": _read_date,
    "integer": _read_integer,
    "decimal": _read_decimal,
    "boolean": _read_boolean,
}


# --- the catalog ------------------------------------------------------------------------------

NATURES = ("positive", "negative", "neutral")
SEVERITIES = ("minor", "general", "serious")
SUBJECTS = ("person", "organisation", "both")
LIST_TYPES = ("black", "red", "watch")
DISCLOSURES = ("public", "government", "authorised")
# Which list a nature may declare: black and watch are for dishonesty, red for trust.
_LISTS_FOR_NATURE = {"negative": ("black", "watch"), "positive": ("red",), "neutral": ()}


@dataclass(frozen=True, slots=True)
class Category:
    """A catalog category (类别); children name their parent."""

    code: str
    name: str
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One catalog entry (目录项): what it records, about whom, from whom, on what basis."""

    code: str
    name: str
    category: str
    nature: str
    severity: str | None
    subject: str
    list_type: str | None
    repairable: bool
    domains: tuple[str, ...]
    occupations: tuple[str, ...]
    source_departments: tuple[str, ...]
    disclosure: str
    legal_basis: str
    consent_required: bool
    fields: tuple[FieldSpec, ...]
    # The population registry item: the name it carries is a person's identity name, where any
    # other item's differing name only raises a conflict (chengxin.conflicts.rules).
    identity_source: bool = False
    # Typed bases (chengxin.legalbasis) when the entry gives them; () for an untyped text basis.
    bases: tuple[Basis, ...] = ()
    by_name: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)
    by_label: Mapping[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", MappingProxyType({f.name: f for f in self.fields}))
        object.__setattr__(self, "by_label", MappingProxyType({f.label: f for f in self.fields}))


@dataclass(frozen=True)
class Catalog:
    """A validated catalog version; items keep the file's order."""

    version: str
    effective_date: date
    changes: str
    categories: tuple[Category, ...]
    domains: Mapping[str, str]
    occupations: Mapping[str, str]
    departments: Mapping[str, str]
    items: Mapping[str, CatalogItem]
    # Sources that are not government departments, by code: "association" (行业协会、商会). A source
    # not named here is a department.
    source_kinds: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # The domain a department's records fall in when their item names none (see catalog.domain).
    department_domains: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    _by_item_name: Mapping[str, CatalogItem] = field(init=False, repr=False, compare=False)
    _category_names: Mapping[str, str] = field(init=False, repr=False, compare=False)

    @cached_property
    def domain_codes_by_name(self) -> dict[str, str]:
        """Domain name (as the 处罚领域 field carries it) -> code; made once (an import asks per record)."""
        return {name: code for code, name in self.domains.items()}

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_item_name", {i.name: i for i in self.items.values()})
        object.__setattr__(self, "_category_names", {c.code: c.name for c in self.categories})

    def item(self, code: str) -> CatalogItem | None:
        """The item with this code, or None."""
        return self.items.get(code)

    def item_by_name(self, name: str) -> CatalogItem | None:
        """The item with this Chinese name (e.g. 行政处罚信息), or None."""
        return self._by_item_name.get(name)

    def category_name(self, code: str) -> str:
        """The Chinese name of a category; an unknown code is returned as is."""
        return self._category_names.get(code, code)

    def category_codes_under(self, code: str) -> frozenset[str]:
        """The category and all its descendants (a parent filter includes its children)."""
        found = {code}
        for cat in self.categories:  # parents come before children, so one pass is enough
            if cat.parent in found:
                found.add(cat.code)
        return frozenset(found)


# --- loading and validation --------------------------------------------------------------------

_TOP_KEYS = frozenset(
    {
        "version",
        "effective_date",
        "changes",
        "categories",
        "domains",
        "occupations",
        "departments",
        "items",
    }
)
_ITEM_KEYS = frozenset(
    {
        "code",
        "name",
        "category",
        "nature",
        "severity",
        "subject",
        "list_type",
        "repairable",
        "domains",
        "occupations",
        "source_departments",
        "disclosure",
        "legal_basis",
        "consent_required",
        "fields",
        "identity_source",
    }
)
_ITEM_REQUIRED = (
    "code",
    "name",
    "category",
    "nature",
    "subject",
    "source_departments",
    "disclosure",
    "legal_basis",
    "fields",
)
_FIELD_KEYS = frozenset({"name", "label", "type", "required", "values", "max_length", "allow_future", "kind"})
_ITEM_CODE = re.compile(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*")
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")
_RESERVED_LABELS = {label: name for name, label in RESERVED_FIELDS.items()}
# The field in which a record names its own domain (处罚领域); see chengxin.catalog.domain.
DOMAIN_FIELD = "penalty_domain"
# The field in which a qualification record names the person's occupation (职业人群); see
# chengxin.catalog.domain.roster_occupation.
OCCUPATION_FIELD = "occupation"


def _text(value: object, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{where}：{what}必须是非空文字")
    return value.strip()


def _flag(value: object, where: str, what: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise CatalogError(f"{where}：{what}必须是 true 或 false")
    return value


def _code_names(doc: Mapping[str, Any], key: str, what: str) -> dict[str, str]:
    entries = doc[key]
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{key}（{what}）必须是非空列表")
    out: dict[str, str] = {}
    for i, entry in enumerate(entries):
        where = f"{what}第 {i + 1} 项"
        if not isinstance(entry, Mapping) or set(entry) != {"code", "name"}:
            raise CatalogError(f"{where}：应只有 code 和 name 两项")
        code = _text(entry["code"], where, "code")
        if not _CODE.fullmatch(code):
            raise CatalogError(f"{where}：编码 {code!r} 只能由字母、数字和下划线组成")
        if code in out:
            raise CatalogError(f"{what}编码 {code} 重复")
        out[code] = _text(entry["name"], where, "name")
    return out


def _departments(doc: Mapping[str, Any], domains: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Departments' names, and the default domain of those that declare one (`domain:`)."""
    entries = doc["departments"]
    plain = [{k: v for k, v in e.items() if k != "domain"} if isinstance(e, Mapping) else e for e in entries] \
        if isinstance(entries, list) else entries
    names = _code_names({"departments": plain}, "departments", "部门")
    defaults: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, Mapping) and entry.get("domain") is not None:
            if entry["domain"] not in domains:
                raise CatalogError(f"部门 {entry['code']}：未知的领域编码 {entry['domain']!r}")
            defaults[entry["code"]] = entry["domain"]
    return names, defaults


def _categories(doc: Mapping[str, Any]) -> tuple[Category, ...]:
    entries = doc["categories"]
    if not isinstance(entries, list) or not entries:
        raise CatalogError("categories（类别）必须是非空列表")
    seen: dict[str, Category] = {}
    for i, entry in enumerate(entries):
        where = f"类别第 {i + 1} 项"
        if (
            not isinstance(entry, Mapping)
            or not {"code", "name"} <= set(entry)
            or not set(entry) <= {"code", "name", "parent"}
        ):
            raise CatalogError(f"{where}：应有 code、name，可有 parent")
        code = _text(entry["code"], where, "code")
        if not _CODE.fullmatch(code):
            raise CatalogError(f"{where}：编码 {code!r} 只能由字母、数字和下划线组成")
        if code in seen:
            raise CatalogError(f"类别编码 {code} 重复")
        parent = entry.get("parent")
        if parent is not None and parent not in seen:
            raise CatalogError(f"类别 {code} 的上级类别 {parent} 不存在（上级须列在前面）")
        seen[code] = Category(code, _text(entry["name"], where, "name"), parent)
    return tuple(seen.values())


def _known(codes: object, table: Mapping[str, str], where: str, what: str) -> tuple[str, ...]:
    if codes is None:
        return ()
    if not isinstance(codes, list):
        raise CatalogError(f"{where}：{what}必须是列表")
    for code in codes:
        if code not in table:
            raise CatalogError(f"{where}：未知的{what}编码 {code!r}")
    if len(set(codes)) != len(codes):
        raise CatalogError(f"{where}：{what}编码重复")
    return tuple(codes)


def _field(entry: object, where: str, consent_required: bool) -> FieldSpec:
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}：字段必须是映射")
    unknown = set(entry) - _FIELD_KEYS
    if unknown:
        raise CatalogError(f"{where}：字段含未知的键 {sorted(unknown)}")
    name = _text(entry.get("name"), where, "字段 name")
    where = f"{where}字段 {name}"
    label = _text(entry.get("label"), where, "label")
    if not _FIELD_NAME.fullmatch(name):
        raise CatalogError(f"{where}：name 只能用小写字母、数字和下划线（snake_case）")
    if name in RESERVED_FIELDS or label in _RESERVED_LABELS:
        raise CatalogError(f"{where}：{name}/{label} 是每条记录都有的公共字段（保留字），信息项不得重复声明")
    kind = entry.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise CatalogError(f"{where}：kind 必须是文字")
    forbidden = kind if kind in FORBIDDEN_KINDS else forbidden_kind_of(name, label)
    if forbidden is not None:
        raise CatalogError(f"{where}（{label}）：不得采集——{FORBIDDEN_KINDS[forbidden]}")
    consent = kind if kind in CONSENT_KINDS else consent_kind_of(name, label)
    if consent is not None and not consent_required:
        raise CatalogError(
            f"{where}（{label}）：{CONSENT_KINDS[consent]}；只有声明 consent_required: true 的信息项才能包含此字段"
        )
    ftype = entry.get("type")
    if ftype not in FIELD_TYPES:
        raise CatalogError(f"{where}：类型 {ftype!r} 不在 {'、'.join(FIELD_TYPES)} 之中")
    values = entry.get("values")
    if ftype == "enum":
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v.strip() == v and v for v in values)
        ):
            raise CatalogError(f"{where}：枚举字段必须列出可选值 values（非空文字列表）")
        if len(set(values)) != len(values):
            raise CatalogError(f"{where}：可选值重复")
    elif values is not None:
        raise CatalogError(f"{where}：只有 enum 类型的字段才能有 values")
    max_length = entry.get("max_length")
    if max_length is not None and (
        ftype not in ("string", "text")
        or not isinstance(max_length, int)
        or isinstance(max_length, bool)
        or max_length < 1
    ):
        raise CatalogError(f"{where}：max_length 只用于 string/text 字段，且须为正整数")
    allow_future = _flag(entry.get("allow_future"), where, "allow_future")
    if allow_future and ftype != "date":
        raise CatalogError(f"{where}：allow_future 只用于日期字段")
    return FieldSpec(
        name=name,
        label=label,
        type=ftype,
        required=_flag(entry.get("required"), where, "required"),
        values=tuple(values or ()),
        max_length=max_length,
        allow_future=allow_future,
        kind=kind,
    )


def _item(entry: object, index: int, doc: Catalog) -> CatalogItem:
    where = f"目录项第 {index + 1} 项"
    if not isinstance(entry, Mapping):
        raise CatalogError(f"{where}：必须是映射")
    code = entry.get("code")
    if isinstance(code, str):
        where = f"目录项 {code}"
    unknown = set(entry) - _ITEM_KEYS
    if unknown:
        raise CatalogError(f"{where}：含未知的键 {sorted(unknown)}")
    missing = [k for k in _ITEM_REQUIRED if entry.get(k) is None]
    if missing:
        raise CatalogError(f"{where}：缺少 {', '.join(missing)}")
    code = _text(code, where, "code")
    if not _ITEM_CODE.fullmatch(code):
        raise CatalogError(f"{where}：编码须为大写字母、数字和连字符（如 XZCF-01）")
    name = _text(entry["name"], where, "name")
    where = f"目录项 {code}（{name}）"
    if entry["category"] not in doc._category_names:
        raise CatalogError(f"{where}：未知的类别编码 {entry['category']!r}")
    nature = entry["nature"]
    if nature not in NATURES:
        raise CatalogError(f"{where}：nature 应为 positive、negative 或 neutral，而不是 {nature!r}")
    severity = entry.get("severity")
    if nature == "negative":
        if severity not in SEVERITIES:
            raise CatalogError(f"{where}：失信信息项必须写明 severity（minor、general 或 serious）")
        if "repairable" not in entry:
            raise CatalogError(f"{where}：失信信息项必须写明能否信用修复（repairable）")
    elif severity is not None:
        raise CatalogError(f"{where}：只有失信（negative）信息项才有 severity")
    list_type = entry.get("list_type")
    if list_type is not None and list_type not in LIST_TYPES:
        raise CatalogError(f"{where}：list_type 应为 black、red、watch 或空")
    if list_type is not None and list_type not in _LISTS_FOR_NATURE[nature]:
        raise CatalogError(
            f"{where}：{nature} 信息项不能声明 {list_type} 名单"
            "（黑名单和重点关注名单只用于失信信息，红名单只用于守信信息）"
        )
    subject = entry["subject"]
    if subject not in SUBJECTS:
        raise CatalogError(f"{where}：subject 应为 person、organisation 或 both")
    disclosure = entry["disclosure"]
    if disclosure not in DISCLOSURES:
        raise CatalogError(f"{where}：disclosure 应为 public、government 或 authorised")
    consent_required = _flag(entry.get("consent_required"), where, "consent_required")
    if consent_required and disclosure == "public":
        raise CatalogError(f"{where}：须经本人同意采集的信息不得向社会公开（disclosure 不能为 public）")
    identity_source = _flag(entry.get("identity_source"), where, "identity_source")
    if identity_source and subject != "person":
        raise CatalogError(f"{where}：只有自然人信息项可以作为身份信息来源（identity_source）")
    bases = _item_bases(entry["legal_basis"], nature, where)
    departments = _known(entry["source_departments"], doc.departments, where, "报送部门")
    if not departments:
        raise CatalogError(f"{where}：至少要有一个报送部门（source_departments）")
    _check_association_item(departments, nature, list_type, doc.source_kinds, where)
    raw_fields = entry["fields"]
    if not isinstance(raw_fields, list):
        raise CatalogError(f"{where}：fields 必须是列表")
    fields = tuple(_field(f, where, consent_required) for f in raw_fields)
    names = [f.name for f in fields]
    labels = [f.label for f in fields]
    for what, seen in (("字段名", names), ("字段标签", labels)):
        dup = sorted({x for x in seen if seen.count(x) > 1})
        if dup:
            raise CatalogError(f"{where}：{what}重复 {dup}")
    domain_field = next((f for f in fields if f.name == DOMAIN_FIELD), None)
    if domain_field is not None:
        known = set(doc.domains.values())
        if domain_field.type != "enum" or not set(domain_field.values) <= known:
            raise CatalogError(f"{where}：{DOMAIN_FIELD}（处罚领域）须为枚举，可选值须是已登记的领域名称")
    occupation_field = next((f for f in fields if f.name == OCCUPATION_FIELD), None)
    if occupation_field is not None:
        known = set(doc.occupations.values())
        if occupation_field.type != "enum" or not set(occupation_field.values) <= known:
            raise CatalogError(f"{where}：{OCCUPATION_FIELD}（职业人群）须为枚举，可选值须是已登记的职业人群名称")
    return CatalogItem(
        code=code,
        name=name,
        category=entry["category"],
        nature=nature,
        severity=severity,
        subject=subject,
        list_type=list_type,
        repairable=_flag(entry.get("repairable"), where, "repairable"),
        domains=_known(entry.get("domains"), doc.domains, where, "领域"),
        occupations=_known(entry.get("occupations"), doc.occupations, where, "职业人群"),
        source_departments=departments,
        disclosure=disclosure,
        legal_basis=citations(bases) if bases else _text(entry["legal_basis"], where, "legal_basis（法律政策依据）"),
        consent_required=consent_required,
        fields=fields,
        identity_source=identity_source,
        bases=bases,
    )


SOURCE_KINDS = {"department": "政府部门", "association": "行业协会、商会"}


def _plain_sources(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document with each source's optional `kind` left out, for the plain code/name reading."""
    entries = doc.get("departments")
    if not isinstance(entries, list):
        return doc
    plain = [{k: v for k, v in e.items() if k != "kind"} if isinstance(e, Mapping) else e for e in entries]
    return {**doc, "departments": plain}


def _source_kinds(doc: Mapping[str, Any]) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for e in doc["departments"]:
        kind = e.get("kind", "department")
        if kind not in SOURCE_KINDS:
            raise CatalogError(f"部门 {e.get('code')}：kind 应为 department（政府部门）"
                               "或 association（行业协会、商会）")
        if kind != "department":
            kinds[e["code"]] = kind
    return kinds


def _check_association_item(departments: tuple[str, ...], nature: str, list_type: str | None,
                            kinds: Mapping[str, str], where: str) -> None:
    """An association keeps member files and recommends honest members (R15): its items are its own,
    never dishonesty and never a list, which only a body with the power to decide may make."""
    own = [d for d in departments if kinds.get(d) == "association"]
    if not own:
        return
    if len(own) != len(departments):
        raise CatalogError(f"{where}：行业协会、商会的信息项只能由行业协会、商会报送，不能与政府部门共用")
    if nature == "negative" or list_type is not None:
        raise CatalogError(f"{where}：行业协会、商会只能报送中性或守信信息，不能报送失信信息或名单")


def _item_bases(value: object, nature: str, where: str) -> tuple[Basis, ...]:
    """An item's typed bases (a list), or () for an untyped text basis (still accepted as before).

    A negative (dishonesty) item records conduct that can reach lists and measures, so it may not rest
    on normative documents alone (R13); the 2021 national catalog keeps local documents from adding
    dishonesty items (e.g. utility or property-fee arrears).
    """
    if not isinstance(value, list):
        return ()
    try:
        bases = parse_bases(value, where)
    except BasisError as exc:
        raise CatalogError(str(exc)) from None
    if nature == "negative" and all(b.level == "normative" for b in bases):
        raise CatalogError(f"{where}：失信信息项的依据只有规范性文件（{citations(bases)}），"
                           "须有法律、法规、规章或党中央、国务院政策文件依据，不能加载")
    return bases


def parse_catalog(doc: Mapping[str, Any]) -> Catalog:
    """Validate a parsed catalog document and build the Catalog, or raise CatalogError."""
    if not isinstance(doc, Mapping):
        raise CatalogError("目录文件的顶层必须是映射")
    missing = sorted(_TOP_KEYS - set(doc))
    unknown = sorted(set(doc) - _TOP_KEYS)
    if missing or unknown:
        raise CatalogError(f"目录顶层结构不对：缺少 {missing}，多余 {unknown}")
    version = _text(doc["version"], "目录", 'version（请用引号写成文字，如 "2026.1"）')
    effective = doc["effective_date"]
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            effective = None
    if not isinstance(effective, date) or isinstance(effective, datetime):
        raise CatalogError("目录：effective_date 必须是日期（如 2026-11-01）")
    changes = doc["changes"]
    if changes is not None and not isinstance(changes, str):
        raise CatalogError("目录：changes 必须是文字")
    domains = _code_names(doc, "domains", "领域")
    departments, department_domains = _departments(_plain_sources(doc), domains)
    shell = Catalog(
        version=version,
        effective_date=effective,
        changes=(changes or "").strip(),
        categories=_categories(doc),
        domains=MappingProxyType(domains),
        occupations=MappingProxyType(_code_names(doc, "occupations", "职业人群")),
        departments=MappingProxyType(departments),
        items=MappingProxyType({}),
        source_kinds=MappingProxyType(_source_kinds(doc)),
        department_domains=MappingProxyType(department_domains),
    )
    raw_items = doc["items"]
    if not isinstance(raw_items, list) or not raw_items:
        raise CatalogError("items（目录项）必须是非空列表")
    items: dict[str, CatalogItem] = {}
    names: set[str] = set()
    for i, entry in enumerate(raw_items):
        item = _item(entry, i, shell)
        if item.code in items:
            raise CatalogError(f"目录项编码 {item.code} 重复")
        if item.name in names:
            raise CatalogError(f"目录项名称 {item.name} 重复")
        items[item.code] = item
        names.add(item.name)
    return Catalog(
        version=shell.version,
        effective_date=shell.effective_date,
        changes=shell.changes,
        categories=shell.categories,
        domains=shell.domains,
        occupations=shell.occupations,
        departments=shell.departments,
        items=MappingProxyType(items),
        source_kinds=shell.source_kinds,
        department_domains=shell.department_domains,
    )


def load_catalog(path: Path | None = None) -> Catalog:
    """Read and validate a catalog YAML file; None means the one shipped in this package."""
    return parse_catalog(read_yaml("chengxin.catalog", "catalog.yaml", path, CatalogError))


@cache
def default_catalog() -> Catalog:
    """The packaged catalog, loaded once."""
    return load_catalog()
