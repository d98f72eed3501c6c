"""Collection coverage: seed requirement → item → department → volume this period, gaps marked."""

from __future__ import annotations

import pytest

from chengxin.assessment.coverage import RequirementError, default_requirements, parse_requirements
from chengxin.catalog.rules import default_catalog
from helpers import DEPT, OPERATOR, as_dept, penalty, submit

CATALOG = default_catalog()


def _lines(client) -> dict[str, dict]:
    res = client.get("/api/v1/assessment/coverage", headers=OPERATOR)
    assert res.status_code == 200, res.text
    return {ln["code"]: ln for ln in res.json()["lines"]}


def test_every_seed_requirement_maps_to_catalog_items():
    requirements = default_requirements(CATALOG)
    assert len(requirements) >= 50
    for r in requirements:  # the additions left no requirement without an item
        named = set(r.items)
        named |= {i.code for i in CATALOG.items.values()
                  if r.domain in i.domains or r.occupation in i.occupations}
        assert named, r.code


def test_an_environment_bureau_penalty_covers_the_environment_requirement(client):
    before = _lines(client)
    assert before["HN-D-12"]["gap"] == "本期没有部门报送"
    assert submit(client, [penalty(801, source_record_id="HB-1")], headers=as_dept("ecology_environment")).json()[
        "created"] == 1
    assert submit(client, [penalty(802)], headers=DEPT).json()["created"] == 1  # market: no domain
    lines = _lines(client)
    env = lines["HN-D-12"]
    assert env["gap"] is None and env["records"] == 1
    cells = {(c["item_code"], c["department_code"]): c["records"] for c in env["cells"]}
    assert cells[("XZCF-01", "ecology_environment")] == 1  # by its department's domain
    assert cells[("XZCF-06", "ecology_environment")] == 0  # the domain's own item, not yet used
    assert lines["HN-D-13"]["gap"] == "本期没有部门报送"  # 生物安全
    assert _lines(client)["HN-B-05"]["cells"][0]["item_code"] == "ZSFG-07"


def test_the_page_shows_gaps(client):
    page = client.get("/console/assessment/coverage", headers=OPERATOR)
    assert page.status_code == 200
    assert 'id="req-HN-D-12"' in page.text and "缺口：本期没有部门报送" in page.text
    assert client.get("/console/assessment/coverage", headers=DEPT).status_code == 403


def test_requirements_naming_what_the_catalog_lacks_are_refused():
    doc = {"seeds": [{"code": "000", "title": "淮南"}],
           "requirements": [{"code": "X", "seed": "000", "section": "一", "quote": "q", "kind": "behaviour",
                             "items": ["NOPE-01"]}]}
    with pytest.raises(RequirementError, match="NOPE-01"):
        parse_requirements(doc, CATALOG)
    doc["requirements"][0].update(items=[], kind="domain", domain="astrology")
    with pytest.raises(RequirementError, match="astrology"):
        parse_requirements(doc, CATALOG)
