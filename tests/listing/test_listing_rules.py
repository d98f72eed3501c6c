"""Pure listing rules: list bases checked at load (R13), intended measures from the measure list."""

from __future__ import annotations

from datetime import date

import pytest

from chengxin.listing import rules
from chengxin.lists.rules import default_terms, parse_terms
from chengxin.sanctions.measures import default_measures

BASE = {"default_months": {"black": 36, "watch": 12, "red": 24},
        "lists": {k: {"scope": "national", "basis_level": "central_policy", "basis": "国办发〔2020〕49号"}
                  for k in ("black", "watch", "red")}}


def test_packaged_lists_have_their_basis():
    assert default_terms().lists["black"].basis_level == "central_policy"


def test_a_local_list_without_a_local_regulation_is_refused_at_load():
    local = {"scope": "local", "basis_level": "normative", "basis": "某市失信惩戒办法（规范性文件）"}
    with pytest.raises(ValueError, match="地方性法规"):
        parse_terms({**BASE, "items": {"LOCAL-01": local}})
    ok = parse_terms({**BASE, "items": {"LOCAL-01": {**local, "basis_level": "local_regulation",
                                                     "basis": "《某市社会信用条例》第二十条"}}})
    assert ok.lists["LOCAL-01"].scope == "local"
    with pytest.raises(ValueError, match="全国性"):
        parse_terms({**BASE, "lists": {**BASE["lists"], "black": {**local, "scope": "national",
                                                                  "basis_level": "local_regulation"}}})
    with pytest.raises(ValueError, match="black、red、watch"):
        parse_terms({**BASE, "lists": {"black": BASE["lists"]["black"]}})


def test_intended_measures_come_from_the_measure_list():
    measures = default_measures().measures.values()
    black = rules.intended_measures(measures, "black", None)
    assert black and all(default_measures().measure(m["code"]).effect == "punishment" for m in black)
    court_only = {m.code for m in measures if m.targets.items == ("SFCP-01",)}
    assert court_only and not court_only & {m["code"] for m in black}
    assert court_only <= {m["code"] for m in rules.intended_measures(measures, "black", "SFCP-01")}


def test_decision_waits_for_the_statement_or_the_period():
    due = date(2026, 10, 13)
    assert rules.decision_refusal("noticed", False, due, due)[0] == "LISTING_DECISION_TOO_EARLY"
    assert rules.decision_refusal("noticed", False, due, date(2026, 10, 14)) is None
    assert rules.decision_refusal("stated", True, due, date(2026, 10, 9)) is None
    assert rules.decision_refusal("listed", True, due, date(2026, 10, 14))[0] == "LISTING_PROCEDURE_CLOSED"


def test_the_repair_route_says_when_and_where_or_that_there_is_none():
    route = rules.repair_route(rules.RepairRoute("市人社局", True, date(2027, 10, 14), 12, ("已履行法定义务",)))
    assert "自 2027-10-14 起" in route and "“信用修复”页面" in route and "市人社局" in route
    assert "已履行法定义务" in route
    assert "不得修复" in rules.repair_route(rules.RepairRoute("市人社局", False, None, 12, ()))
