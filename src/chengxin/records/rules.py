"""Pure row validation: one submitted row against its catalog item.

Used by every channel (JSON batch, CSV, XLSX, CLI import) so that a row is
judged the same way whichever way it arrives. No database here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chengxin.catalog.domain import needs_data, record_domain
from chengxin.catalog.rules import (
    RESERVED_FIELDS,
    Catalog,
    CatalogItem,
    FieldError,
    consent_kind_of,
    forbidden_kind_of,
)
from chengxin.identity.rules import (
    ID_TYPE_BY_LABEL,
    ID_TYPES,
    Identifier,
    IdentityError,
    normalise_uscc,
    parse_citizen_id,
    parse_identifier,
)
from chengxin.publicity.rules import add_months

SEVERITY_BY_LABEL = {
    "minor": "minor", "general": "general", "serious": "serious",
    "轻微": "minor", "一般": "general", "严重": "serious",
    "轻微失信": "minor", "一般失信": "general", "严重失信": "serious",
}
SOURCE_ID_MAX = 64
ADULT_MONTHS = 18 * 12
NAME_MAX = 100

# The example row of a template (records.template): refused, so that a template sent back with
# its example still in it stores nothing invented.
EXAMPLE_SOURCE_ID = "示例-请删除本行"
# Columns of a file of refused rows that are not data (records.template): the importer skips them.
REASON_HEADER = "原因"
ROW_HEADER = "原文件行号"
IGNORED_HEADERS = frozenset({REASON_HEADER, ROW_HEADER})

# Envelope labels and names both map to the envelope name.
ENVELOPE_BY_HEADER: dict[str, str] = {**{v: k for k, v in RESERVED_FIELDS.items()},
                                      **{k: k for k in RESERVED_FIELDS}}


@dataclass(frozen=True, slots=True)
class Issue:
    """A finding about one row: where (row, field) and why (code, Chinese message)."""

    row: int
    field: str | None
    code: str
    message: str
    level: str = "error"


@dataclass(slots=True)
class ValidRow:
    """A row that passed validation, ready to be stored."""

    row: int
    item: CatalogItem
    subject_kind: str
    subject_key: str
    identifier: Identifier | None
    person_name: str | None
    uscc: str | None
    org_name: str | None
    source_record_id: str
    decision_date: date
    severity: str | None
    severity_reason: str | None
    data_json: str  # canonical JSON of `data`: stored as is, and part of the content hash
    content_hash: str
    warnings: list[Issue] = field(default_factory=list)
    # `data` as validation built it; None for a row that crossed from the import's validation
    # worker, which sends only the JSON (storing needs nothing else, list entries decode it).
    data_cache: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    # The record's domain where the item lets its data decide it (catalog.domain.needs_data), made
    # by validation from `data` (so storing never decodes the JSON for it); else None.
    data_domain: str | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The row's data: field name -> normalised, JSON-ready value."""
        if self.data_cache is None:
            self.data_cache = json.loads(self.data_json)
        return self.data_cache


@dataclass(slots=True)
class RowContext:
    """What validation needs beyond the row: catalog, department, day, keyed hash."""

    catalog: Catalog
    department_code: str
    today: date
    subject_key: Callable[[str, str], str]
    default_item_code: str | None = None
    # A record received from another platform (chengxin.exchange) is stored under a local code for
    # its origin department ("341021.market_regulation"); the catalog's source departments name the
    # department itself.
    acting_department: str | None = None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return None


def _date(value: object, today: date) -> date | str:
    """A date, or an error code."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str):
        text = value.strip().replace("/", "-")
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            return "RECORD_DATE_INVALID"
    else:
        return "RECORD_DATE_INVALID"
    if parsed > today:
        return "RECORD_DATE_FUTURE"
    return parsed


# Canonical JSON of the content hash and of stored data; one encoder, built once (json.dumps
# builds one per call).
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _no_default(value: object) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON-ready")


# JSONEncoder.encode still sets up the C encoder (and a circular-reference guard) on every
# call, which was a third of the time of encoding a row's small dicts and lists twice. The C
# encoder is built once here with _HASH_JSON's settings, without the guard (validated values
# are flat), so the text is byte for byte what _HASH_JSON makes: content hashes of rows
# stored earlier stay valid. Pure-Python builds of json have no C encoder and use _HASH_JSON.
_c_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_encoder is not None:
    _encode_parts = _c_encoder(None, _no_default, json.encoder.encode_basestring, None, ":", ",",
                               True, False, True)

    def canonical_json(value: Any) -> str:
        """The canonical JSON text of a JSON-ready value (as `_HASH_JSON.encode`)."""
        return "".join(_encode_parts(value, 0))
else:  # pragma: no cover - CPython ships the C encoder
    canonical_json = _HASH_JSON.encode


def content_hash(parts: list[Any], data_json: str) -> str:
    """Hash of what makes a version distinct; holds the subject key, never a plain ID.

    The data's canonical JSON is made once per row and serves both the hash and storage.
    """
    return hashlib.sha256((canonical_json(parts) + data_json).encode()).hexdigest()[:32]


# validate_row runs once per row of every import, so what depends only on the item or on a
# column name is worked out once and remembered (bounded; these are pure functions).
_KNOWN_NAMES: dict[int, tuple[CatalogItem, frozenset[str]]] = {}
_EXTRA_KINDS: dict[str, tuple[str | None, str | None]] = {}
_MEMO_MAX = 4096
_RESERVED_NAMES = frozenset(RESERVED_FIELDS)


def _known_names(item: CatalogItem) -> frozenset[str]:
    """Envelope names and the item's field names: every column the item can take."""
    got = _KNOWN_NAMES.get(id(item))
    if got is None or got[0] is not item:
        if len(_KNOWN_NAMES) >= _MEMO_MAX:
            _KNOWN_NAMES.clear()
        got = _KNOWN_NAMES[id(item)] = (item, _RESERVED_NAMES.union(item.by_name))
    return got[1]


def _extra_kinds(name: str) -> tuple[str | None, str | None]:
    """(forbidden kind, consent-only kind) that a column name outside the item betrays (R3)."""
    kinds = _EXTRA_KINDS.get(name)
    if kinds is None:
        if len(_EXTRA_KINDS) >= _MEMO_MAX:
            _EXTRA_KINDS.clear()
        kinds = _EXTRA_KINDS[name] = (forbidden_kind_of(name), consent_kind_of(name))
    return kinds


# Court lists (R5) arrive decided by the court under its own rules, and records that arrive through
# the exchange were checked where they were decided: neither carries the local notice.
COURT_ONLY = {"court"}


def _listing_notice_issues(row: int, data: Mapping[str, Any], decision: date | None) -> list[Issue]:
    """A black-list record decided by a local department says when the person was told (R13,
    国办发〔2020〕49号): the notice (告知书) with its number, served before the listing decision, so that
    the person could state their case first. The statement period is the deciding department's own rule."""
    notice, number = data.get("notice_date"), data.get("notice_doc_no")
    if notice is None or not number:
        return [Issue(row, "notice_date", "RECORD_LISTING_NOTICE_MISSING",
                      "列入严重失信主体名单前须告知当事人并听取陈述、申辩：请填写列入告知书送达日期和文号")]
    if decision is not None and date.fromisoformat(str(notice)) >= decision:
        return [Issue(row, "notice_date", "RECORD_LISTING_NOTICE_LATE",
                      "列入告知书须在列入决定之前送达：先告知并听取陈述、申辩，再作出列入决定")]
    return []


def validate_row(ctx: RowContext, row: int, raw: Mapping[str, object]) -> tuple[
    ValidRow | None, list[Issue]
]:
    """Validate one row; returns the row (or None) and all issues found, errors first."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    get = raw.get
    today = ctx.today

    value = get("item_code")
    item_code = ((value.strip() or None) if value.__class__ is str else _text(value)) \
        or ctx.default_item_code
    item = ctx.catalog.item(item_code) if item_code else None
    if item is None and item_code:
        item = ctx.catalog.item_by_name(item_code)
    if item is None:
        if item_code:
            errors.append(Issue(row, "item_code", "RECORD_ITEM_UNKNOWN",
                                f"目录中没有信息项“{item_code[:40]}”"))
        else:
            errors.append(Issue(row, "item_code", "RECORD_ITEM_MISSING", "缺少目录项编码"))
        return None, errors
    if item.source_departments and (ctx.acting_department or ctx.department_code) not in item.source_departments:
        errors.append(Issue(row, "item_code", "RECORD_DEPARTMENT_NOT_SOURCE",
                            f"本部门不是信息项“{item.name}”的报送部门"))
        return None, errors

    # Subject: a person (ID document) or an organisation (USCC).
    id_number = get("id_number")
    uscc_raw = get("uscc")
    identifier: Identifier | None = None
    uscc: str | None = None
    value = get("name")
    person_name = (value.strip() or None) if value.__class__ is str else _text(value)
    value = get("org_name")
    org_name = (value.strip() or None) if value.__class__ is str else _text(value)
    subject_kind = "person"
    subject = item.subject
    if id_number not in (None, "") or subject == "person" or (
        subject == "both" and uscc_raw in (None, "")
    ):
        id_text = (id_number.strip() or None) if id_number.__class__ is str else _text(id_number)
        value = get("id_type")
        type_text = ((value.strip() or None) if value.__class__ is str else _text(value)) \
            or "citizen_id"
        id_type = type_text if type_text in ID_TYPES else ID_TYPE_BY_LABEL.get(type_text)
        if id_type is None:
            errors.append(Issue(row, "id_type", "ID_TYPE_UNKNOWN",
                                f"不支持的证件类型“{type_text[:20]}”"))
        elif id_text is None:
            errors.append(Issue(row, "id_number", "ID_EMPTY", "缺少证件号码"))
        else:
            try:
                if id_type == "citizen_id":  # what parse_identifier does for this type
                    identifier = parse_citizen_id(id_text, today)
                else:
                    identifier = parse_identifier(id_type, id_text, today)
            except IdentityError as exc:
                errors.append(Issue(row, "id_number", exc.code, exc.message))
            else:
                if identifier.warnings:
                    warnings.extend(Issue(row, "id_number", c, m, "warning")
                                    for c, m in identifier.warnings)
        if person_name is None:
            errors.append(Issue(row, "name", "RECORD_NAME_MISSING", "缺少姓名"))
        elif len(person_name) > NAME_MAX:
            errors.append(Issue(row, "name", "RECORD_NAME_TOO_LONG", "姓名过长"))
        if subject == "organisation":
            errors.append(Issue(row, "id_number", "RECORD_SUBJECT_MISMATCH",
                                f"信息项“{item.name}”的主体只能是组织"))
    else:
        subject_kind = "organisation"
        try:
            uscc = normalise_uscc(_text(uscc_raw) or "")
        except IdentityError as exc:
            errors.append(Issue(row, "uscc", exc.code, exc.message))
        if org_name is None:
            errors.append(Issue(row, "org_name", "RECORD_ORG_NAME_MISSING", "缺少主体名称"))
        elif len(org_name) > 200:
            errors.append(Issue(row, "org_name", "RECORD_ORG_NAME_TOO_LONG", "主体名称过长"))

    value = get("source_record_id")
    source_record_id = (value.strip() or None) if value.__class__ is str else _text(value)
    if source_record_id is None:
        errors.append(Issue(row, "source_record_id", "RECORD_SOURCE_ID_MISSING", "缺少源记录编号"))
    elif len(source_record_id) > SOURCE_ID_MAX:
        errors.append(Issue(row, "source_record_id", "RECORD_SOURCE_ID_TOO_LONG",
                            f"源记录编号不得超过 {SOURCE_ID_MAX} 个字符"))
    elif source_record_id == EXAMPLE_SOURCE_ID:
        errors.append(Issue(row, "source_record_id", "RECORD_TEMPLATE_EXAMPLE",
                            "这是模板中的示例行，不会入库：请删除本行，或改写为真实记录"))

    decision_raw = get("decision_date")
    decision: date | None = None
    if decision_raw in (None, ""):
        errors.append(Issue(row, "decision_date", "RECORD_DECISION_DATE_MISSING", "缺少决定日期"))
    else:
        got = _date(decision_raw, today)
        if got == "RECORD_DATE_FUTURE":
            errors.append(Issue(row, "decision_date", "RECORD_DECISION_DATE_FUTURE",
                                "决定日期不能晚于今天"))
        elif isinstance(got, str):
            errors.append(Issue(row, "decision_date", "RECORD_DECISION_DATE_INVALID",
                                "决定日期格式应为 YYYY-MM-DD"))
        else:
            decision = got

    severity = item.severity
    value = get("severity_reason")
    severity_reason = (value.strip() or None) if value.__class__ is str else _text(value)
    value = get("severity")
    severity_text = (value.strip() or None) if value.__class__ is str else _text(value)
    if severity_text is not None:
        wanted = SEVERITY_BY_LABEL.get(severity_text)
        if item.nature != "negative":
            errors.append(Issue(row, "severity", "RECORD_SEVERITY_NOT_APPLICABLE",
                                "只有失信信息才有失信程度"))
        elif wanted is None:
            errors.append(Issue(row, "severity", "RECORD_SEVERITY_INVALID",
                                "失信程度应为 轻微、一般 或 严重"))
        elif wanted != item.severity:
            if severity_reason is None:
                errors.append(Issue(row, "severity_reason", "RECORD_SEVERITY_REASON_REQUIRED",
                                    "调整失信程度必须说明理由"))
            severity = wanted

    # Columns the item does not have: refused when forbidden or consent-only (R3), even
    # empty; otherwise only when they carry a value. Reported in the row's column order.
    extra = raw.keys() - _known_names(item)
    if extra:
        for name in raw:
            if name not in extra:
                continue
            forbidden, consent = _extra_kinds(name)
            if forbidden is not None:
                errors.append(Issue(row, name, "RECORD_FIELD_FORBIDDEN",
                                    f"字段“{name[:40]}”属于禁止采集的信息，整行不予接收"))
            elif not item.consent_required and consent is not None:
                errors.append(Issue(row, name, "RECORD_FIELD_CONSENT_REQUIRED",
                                    f"字段“{name[:40]}”须经本人书面同意方可采集，本信息项未声明同意"))
            elif raw[name] not in (None, ""):
                errors.append(Issue(row, name, "RECORD_FIELD_UNKNOWN",
                                    f"信息项“{item.name}”没有字段“{name[:40]}”"))

    data: dict[str, Any] = {}
    for spec in item.fields:
        value = get(spec.name)
        if (value is None or value == "") and not spec.required:
            continue  # what coerce returns for a missing optional value
        try:
            value = spec.coerce(value, today)
        except FieldError as exc:
            errors.append(Issue(row, spec.name, exc.code, f"{spec.label}：{exc.message}"))
            continue
        if value is not None:
            data[spec.name] = value

    if item.list_type == "black" and not ctx.acting_department and set(item.source_departments) != COURT_ONLY:
        errors.extend(_listing_notice_issues(row, data, decision))
    if (item.list_type == "black" and identifier is not None and identifier.birth_date is not None
            and decision is not None and decision < add_months(identifier.birth_date, ADULT_MONTHS)):
        errors.append(Issue(row, "id_number", "RECORD_MINOR_NOT_LISTABLE",
                            "未成年人不得列入严重失信主体名单（含失信被执行人名单）"))
    if errors or decision is None or source_record_id is None:
        return None, errors + warnings
    if subject_kind == "person":
        assert identifier is not None
        subject_key = ctx.subject_key(identifier.id_type, identifier.number)
    else:
        assert uscc is not None
        subject_key = ctx.subject_key("uscc", uscc)
    data_json = canonical_json(data)
    digest = content_hash([item.code, subject_key, person_name, org_name,
                           decision.isoformat(), severity, severity_reason], data_json)
    return ValidRow(
        row=row, item=item, subject_kind=subject_kind, subject_key=subject_key,
        identifier=identifier, person_name=person_name, uscc=uscc, org_name=org_name,
        source_record_id=source_record_id, decision_date=decision, severity=severity,
        severity_reason=severity_reason, data_json=data_json, content_hash=digest,
        warnings=warnings, data_cache=data,
        data_domain=record_domain(ctx.catalog, item, ctx.department_code, data) if needs_data(item) else None,
    ), warnings


def cell_text(value: object) -> str:
    """A submitted cell as the text a person would type back into the file."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sent_values(raw: Mapping[str, object]) -> dict[str, str]:
    """A refused row's values as text, keyed by field name (no empty column kept)."""
    return {str(k): cell_text(v) for k, v in raw.items() if k and v not in (None, "")}


@dataclass(slots=True)
class ValidatedRows:
    """A chunk of rows judged by `validate_row`: the valid ones, every issue in row order
    (errors first within a row), and how many rows were refused."""

    valid: list[ValidRow]
    issues: list[Issue]
    rejected: int = 0
    last_row: int = 0  # the number of the chunk's last row: what a committed chunk covers
    # The refused rows as sent (field name -> text), to be kept for the department to fix.
    refused: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def validate_rows(ctx: RowContext, rows: Iterable[tuple[int, Mapping[str, object]]]) -> ValidatedRows:
    """Validate a chunk of (row number, fields) pairs."""
    checked = ValidatedRows([], [])
    valid = checked.valid
    issues = checked.issues
    number = 0
    for number, raw in rows:
        row, found = validate_row(ctx, number, raw)
        if row is None:
            checked.rejected += 1
            checked.refused.append((number, sent_values(raw)))
        else:
            valid.append(row)
        issues.extend(found)
    checked.last_row = number
    return checked
