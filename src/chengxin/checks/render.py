"""Turn check outcomes into API shapes (names, labels, bases) for people and systems."""

from __future__ import annotations

import json
from datetime import datetime
from json.encoder import encode_basestring
from typing import Any

from chengxin.catalog.rules import Catalog
from chengxin.checks import schemas as s
from chengxin.checks.rules import DECISION_LABELS, Hit, condition_label
from chengxin.checks.service import Outcome
from chengxin.departments import repository as departments
from chengxin.matters.rules import LIST_LABELS
from chengxin.organisations.models import ROLES
from chengxin.sanctions.measures import MeasureList


def hit_out(hit: Hit, catalog: Catalog) -> s.HitOut:
    m, c = hit.measure, hit.candidate
    source = None
    if c is not None:
        item = catalog.item(c.item_code) if c.item_code else None
        source = s.SourceOut(
            kind=c.kind, id=c.id, matter=c.chain, list_type=c.list_type,  # type: ignore[arg-type]
            list_label=LIST_LABELS.get(c.list_type or ""), item_code=c.item_code,
            item_name=item.name if item else None, department_code=c.department_code,
            department_name=departments.label(c.department_code, catalog.departments),
            basis=c.basis, start=c.start, holds_until=c.holds_until,
            via=None if c.via is None else s.ViaOut(uscc=c.via.uscc, org_name=c.via.org_name,
                                                    role=c.via.role,
                                                    role_label=ROLES.get(c.via.role, c.via.role)))
    return s.HitOut(
        measure_code=m.code, measure_name=m.name, effect=m.effect,  # type: ignore[arg-type]
        kind=m.kind, kind_label=m.kind_label, mandatory=m.mandatory, blocking=hit.blocking,
        disputed=hit.disputed, status_label="异议处理中" if hit.disputed else None,
        legal_basis=m.legal_basis, description=m.description,
        implementing_departments=list(m.implementing_departments), source=source,
        condition=hit.condition, condition_label=condition_label(hit.condition))


def check_out(o: Outcome, *, scenario: str, department: str, business_ref: str | None,
              catalog: Catalog, measures: MeasureList) -> s.CheckOut:
    return s.CheckOut(
        check_id=o.check_id, decision=o.decision,  # type: ignore[arg-type]
        decision_label=DECISION_LABELS[o.decision], scenario=scenario,
        scenario_name=measures.scenario_name(scenario), department_code=department,
        business_ref=business_ref, checked_at=o.checked_at, as_of=o.as_of,
        hits=[hit_out(h, catalog) for h in o.hits])


def check_dict(o: Outcome, *, scenario: str, department: str, business_ref: str | None,
               catalog: Catalog, measures: MeasureList) -> dict[str, Any]:
    """`check_out(...).model_dump(mode="json")`, built directly: a check answers many times a
    second, and validating a model the code has just built only costs time. The fields and their
    order are those of `schemas.CheckOut` (a test holds the two together)."""
    return {
        "check_id": o.check_id, "decision": o.decision, "decision_label": DECISION_LABELS[o.decision],
        "scenario": scenario, "scenario_name": measures.scenario_name(scenario),
        "department_code": department, "business_ref": business_ref,
        "checked_at": _instant(o.checked_at), "as_of": o.as_of.isoformat(),
        "hits": [hit_dict(h, catalog) for h in o.hits],
    }


def check_json(o: Outcome, *, scenario: str, department: str, business_ref: str | None,
               catalog: Catalog, measures: MeasureList) -> bytes:
    """`json_bytes(check_dict(...))`. Most checks hit nothing: that answer is written straight
    from its values, without the dict (a test holds the two forms together)."""
    if o.hits:
        return json_bytes(check_dict(o, scenario=scenario, department=department, business_ref=business_ref,
                                     catalog=catalog, measures=measures))
    return (f'{{"check_id":{encode_basestring(o.check_id)},"decision":{encode_basestring(o.decision)},'
            f'"decision_label":{encode_basestring(DECISION_LABELS[o.decision])},'
            f'"scenario":{encode_basestring(scenario)},'
            f'"scenario_name":{encode_basestring(measures.scenario_name(scenario))},'
            f'"department_code":{encode_basestring(department)},'
            f'"business_ref":{"null" if business_ref is None else encode_basestring(business_ref)},'
            f'"checked_at":{encode_basestring(_instant(o.checked_at))},'
            f'"as_of":"{o.as_of.isoformat()}","hits":[]}}').encode()


def hit_dict(hit: Hit, catalog: Catalog) -> dict[str, Any]:
    """`hit_out(...).model_dump(mode="json")`, built directly."""
    m, c = hit.measure, hit.candidate
    source = None
    if c is not None:
        item = catalog.item(c.item_code) if c.item_code else None
        source = {
            "kind": c.kind, "id": c.id, "matter": c.chain, "list_type": c.list_type,
            "list_label": LIST_LABELS.get(c.list_type or ""), "item_code": c.item_code,
            "item_name": item.name if item else None, "department_code": c.department_code,
            "department_name": departments.label(c.department_code, catalog.departments),
            "basis": c.basis, "start": c.start.isoformat(),
            "holds_until": c.holds_until.isoformat() if c.holds_until else None,
            "via": None if c.via is None else {"uscc": c.via.uscc, "org_name": c.via.org_name,
                                               "role": c.via.role, "role_label": ROLES.get(c.via.role, c.via.role)},
        }
    return {
        "measure_code": m.code, "measure_name": m.name, "effect": m.effect, "kind": m.kind,
        "kind_label": m.kind_label, "mandatory": m.mandatory, "blocking": hit.blocking,
        "disputed": hit.disputed, "status_label": "异议处理中" if hit.disputed else None,
        "legal_basis": m.legal_basis, "description": m.description,
        "implementing_departments": list(m.implementing_departments), "source": source,
        "condition": hit.condition, "condition_label": condition_label(hit.condition),
    }


_last_instant: tuple[datetime | None, str] = (None, "")


def _instant(moment: datetime) -> str:
    """A UTC time as pydantic writes it in JSON (`Z`, not `+00:00`). The checks of a group share
    their time: the last one's text is kept."""
    global _last_instant
    last, text = _last_instant
    if moment is not last:
        text = moment.isoformat()
        text = text[:-6] + "Z" if text.endswith("+00:00") else text
        _last_instant = (moment, text)
    return text


_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def json_bytes(content: Any) -> bytes:
    """JSON as the API writes it (UTF-8, compact)."""
    return _JSON.encode(content).encode()


def compact_line(line: int, ref: str | None, masked: str, o: Outcome) -> dict[str, Any]:
    """One NDJSON line of a batch answer: enough to act on, without personal detail."""
    if not o.hits:
        return {"line": line, "ref": ref, "id_number": masked, "check_id": o.check_id, "decision": o.decision,
                "decision_label": DECISION_LABELS[o.decision], "hits": []}
    return {
        "line": line, "ref": ref, "id_number": masked, "check_id": o.check_id,
        "decision": o.decision, "decision_label": DECISION_LABELS[o.decision],
        "hits": [{
            "measure_code": h.measure.code, "measure_name": h.measure.name,
            "blocking": h.blocking, "disputed": h.disputed,
            "source_kind": h.candidate.kind if h.candidate else None,
            "list_type": h.candidate.list_type if h.candidate else None,
            "item_code": h.candidate.item_code if h.candidate else None,
            "via_uscc": h.candidate.via.uscc if h.candidate and h.candidate.via else None,
            "holds_until": (h.candidate.holds_until.isoformat()
                            if h.candidate and h.candidate.holds_until else None),
            "condition": h.condition,
        } for h in o.hits],
    }


_LINE_JSON = json.JSONEncoder(ensure_ascii=False)
_COMPACT_KEYS = ("line", "ref", "id_number", "check_id", "decision", "decision_label", "hits")


def ndjson_line(line: dict[str, Any]) -> str:
    """`json.dumps(line, ensure_ascii=False)`. Most answers of a batch are a compact line without
    hits, which is written straight from its values (a test holds the two forms together)."""
    if not line.get("hits", True) and tuple(line) == _COMPACT_KEYS and type(line["line"]) is int:
        ref = line["ref"]
        return (f'{{"line": {line["line"]}, "ref": {"null" if ref is None else encode_basestring(ref)}, '
                f'"id_number": {encode_basestring(line["id_number"])}, '
                f'"check_id": {encode_basestring(line["check_id"])}, '
                f'"decision": {encode_basestring(line["decision"])}, '
                f'"decision_label": {encode_basestring(line["decision_label"])}, "hits": []}}')
    return _LINE_JSON.encode(line)


def ndjson_compact(line: int, ref: str | None, masked: str, o: Outcome) -> str:
    """`ndjson_line(compact_line(line, ref, masked, o))`, without making the dict when there
    are no hits (most answers of a batch; a test holds the two forms together)."""
    if o.hits:
        return _LINE_JSON.encode(compact_line(line, ref, masked, o))
    return (f'{{"line": {line}, "ref": {"null" if ref is None else encode_basestring(ref)}, '
            f'"id_number": {encode_basestring(masked)}, "check_id": {encode_basestring(o.check_id)}, '
            f'"decision": {encode_basestring(o.decision)}, '
            f'"decision_label": {encode_basestring(DECISION_LABELS[o.decision])}, "hits": []}}')
