"""The points model is edited through the editions (change note, new version, in force at once, public),
kept consistent with the catalog and the measure list; no punishment may rest on points or grades."""

from __future__ import annotations

import copy

import pytest

from chengxin.datafiles import read_yaml
from chengxin.sanctions.measures import MeasureError, parse_measures
from helpers import OPERATOR, catalog_without, edition_in_force

PTS = "/api/v1/editions/points"
MEA = "/api/v1/editions/measures"
CAT = "/api/v1/editions/catalog"



def packaged_measures() -> dict:
    return copy.deepcopy(read_yaml("chengxin.sanctions", "measures.yaml", None, MeasureError))


@pytest.mark.parametrize("key", ["grades", "points", "score"])
def test_a_punishment_keyed_on_points_or_grades_is_refused(key):
    doc = packaged_measures()
    punishment = next(m for m in doc["measures"] if m["effect"] == "punishment")
    punishment["targets"][key] = ["D"]
    with pytest.raises(MeasureError, match="惩戒措施不得以诚信积分或积分等级为依据"):
        parse_measures(doc)


def test_a_reward_may_name_only_grades_the_model_has():
    doc = packaged_measures()
    reward = next(m for m in doc["measures"] if m["code"] == "R-JFMY-01")
    reward["targets"]["grades"] = ["AAA"]
    with pytest.raises(MeasureError, match="未知的积分等级编码 'AAA'"):
        parse_measures(doc)
    assert parse_measures(doc, grades=("AAA", "A", "B")).measures["R-JFMY-01"].targets.grades == ("AAA",)


def test_a_points_edition_is_validated_noted_public_and_in_force_at_once(client):
    version, text = edition_in_force(client, PTS)
    assert client.get("/api/v1/points/model").json()["version"] == version
    new = text.replace(f'version: "{version}"', 'version: "2099.1"', 1).replace("base: 600", "base: 620", 1)
    assert client.post(PTS, headers=OPERATOR, json={"content": new, "change_note": ""}).status_code == 422
    bad = new.replace("points: 10\n", "points: -10\n", 1)  # the volunteer rule: a positive item may not lose points
    refused = client.post(PTS, headers=OPERATOR, json={"content": bad, "change_note": "志愿服务扣分"})
    assert refused.status_code == 422 and refused.json()["code"] == "EDITION_INVALID"
    assert "守信信息，不能扣分" in refused.json()["detail"]
    made = client.post(PTS, headers=OPERATOR, json={"content": new, "change_note": "基础分调为 620"})
    assert made.status_code == 201, made.text
    model = client.get("/api/v1/points/model").json()
    assert (model["version"], model["base"]) == ("2099.1", 620)
    listed = client.get(PTS, headers=OPERATOR).json()
    assert listed["in_force"] == "2099.1" and [e["change_note"] for e in listed["editions"]] == ["基础分调为 620"]
    page = client.get("/console/editions/points", headers=OPERATOR)  # the office edits it on its page too
    assert page.status_code == 200 and "诚信积分模型" in page.text and "基础分调为 620" in page.text
    assert "base: 620" in page.text


def test_a_points_edition_that_drops_a_grade_the_measures_name_is_refused(client):
    version, text = edition_in_force(client, PTS)
    dropped = text.replace(f'version: "{version}"', 'version: "2099.2"', 1).replace(
        "  - {code: A, name: 诚信优秀, min: 720}\n", "", 1)
    refused = client.post(PTS, headers=OPERATOR, json={"content": dropped, "change_note": "取消 A 级"})
    assert refused.status_code == 422 and refused.json()["code"] == "EDITION_BREAKS_MEASURES"
    assert client.get("/api/v1/points/model").json()["version"] == version


def test_a_catalog_edition_that_drops_an_item_the_model_scores_is_refused(client):
    version, text = edition_in_force(client, CAT)
    broken = catalog_without(text, version, "WCXX-01", "2099.3")
    refused = client.post(CAT, headers=OPERATOR, json={"content": broken, "change_note": "删去无偿献血"})
    assert refused.status_code == 422 and refused.json()["code"] == "EDITION_BREAKS_POINTS"
    assert "WCXX-01" in refused.json()["detail"]


def test_a_measure_edition_with_a_punishment_on_grades_is_refused(client):
    version, text = edition_in_force(client, MEA)
    marker = "    targets: {lists: [black], items: [SFCP-01]}\n"
    assert marker in text
    bad = text.replace(f'version: "{version}"', 'version: "2099.4"', 1).replace(
        marker, "    targets: {lists: [black], items: [SFCP-01], grades: [D]}\n", 1)
    refused = client.post(MEA, headers=OPERATOR, json={"content": bad, "change_note": "积分低者限制"})
    assert refused.status_code == 422 and "不得以诚信积分" in refused.json()["detail"]
