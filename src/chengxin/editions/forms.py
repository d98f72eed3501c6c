"""Form-based editing of one catalog item or one measure: the fields a form offers, the new YAML text
made from the text in force with those fields changed, and a readable diff. Pure (no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from chengxin.errors import DomainError

DISCLOSURE = {"public": "可向社会公示", "government": "仅政务共享", "authorised": "仅本人及经本人授权查询"}
SEVERITY = {"minor": "轻微", "general": "一般", "serious": "严重"}
YES_NO = {"true": "是", "false": "否"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class FormField:
    """One editable property of an entry: its YAML key, label, control and allowed values."""

    key: str
    label: str
    control: str  # text | textarea | select
    options: dict[str, str] | None = None
    help: str = ""


FIELDS: dict[str, tuple[FormField, ...]] = {
    "catalog": (
        FormField("name", "信息项名称", "text"),
        FormField("disclosure", "公开方式", "select", DISCLOSURE, "须经本人同意采集的信息不得向社会公示"),
        FormField("severity", "默认失信程度", "select", SEVERITY, "仅失信信息项"),
        FormField("legal_basis", "法律依据", "textarea"),
    ),
    "measures": (
        FormField("name", "措施名称", "text"),
        FormField("legal_basis", "法律依据", "textarea", help="每项措施都须写明法律、法规或党中央、国务院政策文件依据"),
        FormField("description", "实施方式", "textarea"),
        FormField("blocks_when_disputed", "异议处理期间仍然拦截", "select", YES_NO),
    ),
}
LIST_KEY = {"catalog": "items", "measures": "measures"}


def document(text: str) -> dict[str, Any]:
    try:
        doc = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise DomainError("EDITION_INVALID", f"现行版本不是合法的 YAML：{exc}", 422) from exc
    if not isinstance(doc, dict):
        raise DomainError("EDITION_INVALID", "现行版本的格式不对", 422)
    return doc


def entries(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in doc.get(LIST_KEY[kind]) or [] if isinstance(e, dict)]


def entry(doc: dict[str, Any], kind: str, code: str) -> dict[str, Any] | None:
    return next((e for e in entries(doc, kind) if e.get("code") == code), None)


def fields_for(kind: str, found: dict[str, Any]) -> tuple[FormField, ...]:
    """The fields offered for this entry (a default severity only on a negative item)."""
    return tuple(f for f in FIELDS[kind] if f.key != "severity" or found.get("nature") == "negative")


def shown(value: Any) -> str:
    """A property's value as the form and the diff show it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def values_of(kind: str, found: dict[str, Any]) -> dict[str, str]:
    return {f.key: shown(found.get(f.key)) for f in fields_for(kind, found)}


def _typed(f: FormField, value: str) -> Any:
    value = " ".join(value.split()) if f.control == "text" else value.strip()
    if f.options is YES_NO:
        return value == "true"
    return value


def next_version(in_force: str, taken: set[str]) -> str:
    """A new version number after the one in force: "2026.1" -> "2026.2" (the last number plus one)."""
    match = re.match(r"^(.*?)(\d+)$", in_force)
    stem, n = (match.group(1), int(match.group(2))) if match else (f"{in_force}.", 0)
    candidate = f"{stem}{n + 1}"
    while candidate in taken or candidate == in_force:
        n += 1
        candidate = f"{stem}{n + 1}"
    return candidate


def _read(f: FormField, value: str) -> str:
    """A value as a person reads it in the diff: an option by its label, nothing as "（空）"."""
    return (f.options or {}).get(value, value) or "（空）"


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    before: str
    after: str


def apply(doc: dict[str, Any], kind: str, code: str, typed: dict[str, str], *, version: str, note: str,
          day: date) -> tuple[str, list[Change]]:
    """The new YAML text (the entry's fields as typed, the new version, effective today, the note as its
    `changes`) and the readable diff against the version in force."""
    found = entry(doc, kind, code)
    if found is None:
        raise DomainError("EDITION_ENTRY_NOT_FOUND", f"现行版本中没有 {code}", 404)
    changes: list[Change] = []
    for f in fields_for(kind, found):
        if f.key not in typed:
            continue
        new = _typed(f, typed[f.key])
        old = found.get(f.key)
        if shown(new) != shown(old):
            changes.append(Change(f.label, _read(f, shown(old)), _read(f, shown(new))))
            found[f.key] = new
    if not changes:
        raise DomainError("EDITION_NO_CHANGE", "没有修改任何内容", 422)
    version = version.strip()
    if not version:
        raise DomainError("EDITION_VERSION_REQUIRED", "请填写新的版本号", 422)
    changes.insert(0, Change("版本号", shown(doc.get("version")), version))
    doc["version"], doc["effective_date"], doc["changes"] = version, day, " ".join(note.split())
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000), changes
