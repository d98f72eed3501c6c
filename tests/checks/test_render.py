"""The check answer built directly is exactly the documented model's JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from chengxin.catalog.rules import default_catalog
from chengxin.checks import schemas as s
from chengxin.checks.render import check_dict, check_out
from chengxin.checks.rules import Candidate, Hit, Via
from chengxin.checks.service import Outcome
from chengxin.sanctions.measures import default_measures
from helpers import COURT, check, cid, court_case, submit


def outcomes() -> list[Outcome]:
    measures = default_measures()
    black = Candidate("list_entry", "E1", "R1", "black", "SFCP-01", "serious", ("judicial",), "court",
                      "依据", date(2026, 1, 10), date(2028, 1, 10), True)
    via = Candidate("record", "R2", "R2", None, "YZSX-02", "serious", (), "human_resources", "依据",
                    date(2026, 4, 1), None, False, Via("91350100M000100Y43", "某公司", "legal_representative"))
    reward = measures.measures["R-LSTD-01"]
    punish = measures.measures["P-GWY-01"]
    at = datetime(2026, 11, 21, 2, 0, 0, 123456, tzinfo=UTC)
    return [
        Outcome("01JD", "k", "clear", [], at.replace(microsecond=0), date(2026, 11, 21)),
        Outcome("01JE", "k", "block", [Hit(punish, black, None, True, True), Hit(punish, via, None, False, False)],
                at, date(2026, 11, 21)),
        Outcome("01JF", "k", "green", [Hit(reward, None, "no_negative_3y", False, False)], at, date(2026, 11, 21)),
    ]


def test_check_dict_is_the_models_json():
    catalog, measures = default_catalog(), default_measures()
    for o in outcomes():
        for ref in (None, "REF-1"):
            kw = {"scenario": "civil_service_recruitment", "department": "human_resources", "business_ref": ref,
                  "catalog": catalog, "measures": measures}
            assert check_dict(o, **kw) == check_out(o, **kw).model_dump(mode="json")


def test_check_json_is_the_dicts_json():
    from chengxin.checks.render import check_json, json_bytes

    catalog, measures = default_catalog(), default_measures()
    for o in outcomes():
        for ref in (None, "REF-1", '报名号 "甲"\\\n\x01\t'):
            for scenario in ("civil_service_recruitment", "no_such_scenario"):
                kw = {"scenario": scenario, "department": "human_resources", "business_ref": ref,
                      "catalog": catalog, "measures": measures}
                assert check_json(o, **kw) == json_bytes(check_dict(o, **kw))
                assert json.loads(check_json(o, **kw)) == check_dict(o, **kw)


def test_api_answer_validates_against_the_model(client):
    submit(client, [court_case(1)], headers=COURT)
    for n in (1, 2):
        body = check(client, cid(n), "civil_service_recruitment").json()
        assert s.CheckOut.model_validate(body).model_dump(mode="json") == body


def test_ndjson_line_is_json_dumps():
    from chengxin.checks.render import compact_line, ndjson_compact, ndjson_line

    o = outcomes()
    lines = [compact_line(n, ref, "1101**********002X", outcome)
             for n, outcome in enumerate(o, 1) for ref in (None, "报名号-1", 'a"b\\c\n\x01')]
    lines += [{"line": 9, "ref": None, "error": {"code": "ID_CHECKSUM", "message": "校验码错误"}},
              {"summary": {"batch_id": "01JD", "total": 2, "errors": 1}}]
    for line in lines:
        assert ndjson_line(line) == json.dumps(line, ensure_ascii=False)
    for n, outcome in enumerate(o, 1):
        for ref in (None, "报名号-1", 'a"b\\c\n\x01'):
            assert ndjson_compact(n, ref, "1101**********002X", outcome) == json.dumps(
                compact_line(n, ref, "1101**********002X", outcome), ensure_ascii=False)
