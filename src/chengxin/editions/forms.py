"""Form-based editing of one catalog item or one measure: the fields a form offers, the new YAML text
made from the text in force with those fields changed, and a readable diff. Pure (no database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from chengxin.errors import DomainError
from chengxin.legalbasis import LEVELS

DISCLOSURE = {"public": "可向社会公示", "government": "仅政务共享", "authorised": "仅本人及经本人授权查询"}
SEVERITY = {"minor": "轻微", "general": "一般", "serious": "严重"}
YES_NO = {"true": "是", "false": "否"}
NATURE = {"rights_reducing": "减损权益或增加义务", "management": "管理措施", "market_social": "市场和社会措施"}
_BASES_HELP = ("每行一项依据，写成“层级：文件名称、文号及条款”，层级为" + "、".join(LEVELS.values())
               + "；只涵盖部分对象的，在行末写“｜仅及于：目录项或名单编码”（如 ｜仅及于：SFCP-01）。"
               "减损权益的措施须有法律、行政法规或党中央、国务院政策文件依据")
_SCOPE_MARK = "｜仅及于："
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
        FormField("nature", "措施性质", "select", NATURE, "禁止类措施必为减损权益；激励措施不得为减损权益"),
        FormField("legal_basis", "法律依据", "textarea", help=_BASES_HELP),
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
    """The entries a form can edit one by one (none for the points model: edited as a whole)."""
    if kind not in LIST_KEY:
        return []
    return [e for e in doc.get(LIST_KEY[kind]) or [] if isinstance(e, dict)]


def entry(doc: dict[str, Any], kind: str, code: str) -> dict[str, Any] | None:
    return next((e for e in entries(doc, kind) if e.get("code") == code), None)


def fields_for(kind: str, found: dict[str, Any]) -> tuple[FormField, ...]:
    """The fields offered for this entry (a default severity only on a negative item)."""
    return tuple(f for f in FIELDS.get(kind, ()) if f.key != "severity" or found.get("nature") == "negative")


def bases_text(bases: list[Any]) -> str:
    """Typed bases as the form shows them: one "层级：引文" line each, a limited scope after ｜."""
    lines = []
    for b in bases:
        if not isinstance(b, dict):
            lines.append(str(b))
            continue
        scope = b.get("scope") or {}
        codes = [*(scope.get("items") or []), *(scope.get("lists") or [])]
        line = f"{LEVELS.get(b.get('level', ''), b.get('level', ''))}：{b.get('citation', '')}"
        lines.append(line + (f"{_SCOPE_MARK}{'、'.join(codes)}" if codes else ""))
    return "\n".join(lines)


_BY_LABEL = {label: code for code, label in LEVELS.items()} | {code: code for code in LEVELS}
_LISTS = ("black", "watch", "red")


def bases_from_text(text: str) -> list[dict[str, Any]]:
    """The form's lines back into typed bases; a line without a known level is refused by line number."""
    out: list[dict[str, Any]] = []
    for n, raw in enumerate((ln.strip() for ln in text.splitlines()), start=1):
        if not raw:
            continue
        line, _, scope = raw.partition(_SCOPE_MARK)
        level, sep, citation = line.replace(":", "：", 1).partition("：")
        if not sep or level.strip() not in _BY_LABEL or not citation.strip():
            levels = "、".join(LEVELS.values())
            raise DomainError("EDITION_BASIS_FORMAT",
                              f"法律依据第 {n} 行应写成“层级：文件名称、文号及条款”，层级为{levels}之一", 422)
        basis: dict[str, Any] = {"level": _BY_LABEL[level.strip()], "citation": citation.strip()}
        codes = [c for c in re.split(r"[、,，\s]+", scope) if c]
        if codes:
            basis["scope"] = {k: v for k, v in (("items", [c for c in codes if c not in _LISTS]),
                                                ("lists", [c for c in codes if c in _LISTS])) if v}
        out.append(basis)
    return out


def shown(value: Any) -> str:
    """A property's value as the form and the diff show it."""
    if isinstance(value, list):
        return bases_text(value)
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
        old = found.get(f.key)
        # Typed bases (a list) are edited as lines; an untyped catalog basis stays one text.
        typed_bases = f.key == "legal_basis" and (isinstance(old, list) or kind == "measures")
        new = bases_from_text(typed[f.key]) if typed_bases else _typed(f, typed[f.key])
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
