"""The measure list: the packaged YAML loads, and every invalid document is refused with a reason."""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from chengxin.catalog.rules import default_catalog
from chengxin.sanctions.measures import (
    KINDS,
    MANDATORY_KINDS,
    REWARD_KINDS,
    MeasureError,
    MeasureList,
    default_measures,
    load_measures,
    parse_measures,
)

BRIEF_SCENARIOS = (
    "administrative_licensing",
    "civil_service_recruitment",
    "public_institution_recruitment",
    "government_procurement",
    "bidding",
    "fiscal_subsidy",
    "honours",
    "high_consumption",
    "land_transfer",
    "financing",
    "state_enterprise_appointment",
    "public_service",
    "qualification_exam",
    "practice_registration",
    "social_organisation",
)

# A tiny world of codes, so that the validation tests do not depend on the packaged catalog.
DEPARTMENTS = {"court", "human_resources", "credit_office"}
DOMAINS = {"judicial", "tax"}
ITEMS = {"SFCP-01", "XZCF-01", "BZJL-02"}


def _doc() -> dict[str, Any]:
    """A minimal valid document: two scenarios, one punishment, one reward."""
    return {
        "version": "2026.1",
        "effective_date": "2026-11-01",
        "changes": "测试",
        "scenarios": [
            {"code": "civil_service_recruitment", "name": "公务员招录"},
            {"code": "administrative_licensing", "name": "行政许可"},
        ],
        "measures": [
            {
                "code": "P-GWY-01",
                "name": "不得录用为公务员",
                "effect": "punishment",
                "kind": "prohibition",
                "nature": "rights_reducing",
                "targets": {"lists": ["black"]},
                "scenarios": ["civil_service_recruitment"],
                "implementing_departments": ["human_resources"],
                "legal_basis": [{"level": "law", "citation": "《中华人民共和国公务员法》第二十六条"}],
                "blocks_when_disputed": False,
                "description": "不予录用。",
            },
            {
                "code": "R-LSTD-01",
                "name": "绿色通道",
                "effect": "reward",
                "kind": "green_channel",
                "nature": "management",
                "targets": {"lists": ["red"], "conditions": ["good_record", "no_negative_3y"]},
                "scenarios": ["administrative_licensing"],
                "implementing_departments": ["credit_office"],
                "legal_basis": [{"level": "central_policy", "citation": "国办发〔2016〕98号"}],
                "description": "优先办理。",
            },
        ],
    }


def _parse(doc: dict[str, Any]) -> MeasureList:
    return parse_measures(doc, departments=DEPARTMENTS, domains=DOMAINS, items=ITEMS)


def _punishment(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["measures"][0]


def _reward(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["measures"][1]


# --- the packaged list ----------------------------------------------------------------------


def test_packaged_list_loads() -> None:
    measures = default_measures()
    assert measures.version == "2026.2"
    assert measures.changes
    assert 25 <= len(measures.measures) <= 45
    assert default_measures() is measures  # cached


def test_brief_scenarios_exist_and_each_has_a_measure() -> None:
    measures = default_measures()
    assert set(BRIEF_SCENARIOS) <= set(measures.scenarios)
    for code in measures.scenarios:
        assert measures.for_scenario(code), f"场景 {code} 没有任何措施"
        assert measures.scenario_name(code) != code


def test_packaged_codes_follow_effect() -> None:
    for measure in default_measures().measures.values():
        assert measure.code.startswith("P-" if measure.effect == "punishment" else "R-")
        assert measure.legal_basis
        assert measure.kind_label == KINDS[measure.kind]


def test_civil_service_measure_rests_on_the_civil_service_law() -> None:
    measures = default_measures()
    (civil,) = measures.for_scenario("civil_service_recruitment")
    assert civil.mandatory
    assert "公务员法" in civil.legal_basis
    assert "第二十六条" in civil.legal_basis
    assert civil.targets.lists == ("black",)


def test_high_consumption_measures_bind_the_court_list_and_responsible_persons() -> None:
    high = default_measures().for_scenario("high_consumption")
    assert len(high) >= 8  # R5: flights, trains, hotels, property, vehicles, tourism, schools, insurance
    for measure in high:
        assert measure.mandatory
        assert measure.applies_to_responsible_persons
        assert measure.blocks_when_disputed
        assert "SFCP-01" in measure.targets.items or "black" in measure.targets.lists
        assert "court" in measure.implementing_departments
        assert "限制被执行人高消费" in measure.legal_basis
    names = "".join(m.name for m in high)
    for word in ("飞机", "软卧", "G字头", "星级", "高尔夫", "不动产", "车辆", "旅游", "私立学校", "保险"):
        assert word in names


def test_each_reward_kind_exists_and_targets_trust() -> None:
    rewards = [m for m in default_measures().measures.values() if m.effect == "reward"]
    assert {m.kind for m in rewards} == set(REWARD_KINDS)
    for measure in rewards:
        assert "red" in measure.targets.lists or measure.targets.conditions or measure.targets.grades
        assert not measure.targets.severities
        assert not {"black", "watch"} & set(measure.targets.lists)
        assert not measure.mandatory
    green = [m for m in rewards if m.kind in ("green_channel", "accept_missing_documents") and not m.targets.grades]
    for measure in green:  # R11: both groups of persons, in licensing
        assert set(measure.targets.conditions) == {"good_record", "no_negative_3y"}
        assert "administrative_licensing" in measure.scenarios


def test_only_prohibitions_block() -> None:
    for measure in default_measures().measures.values():
        assert measure.mandatory == (measure.kind in MANDATORY_KINDS)
        if not measure.mandatory:
            assert not measure.blocks_when_disputed


def test_load_from_path_and_bad_yaml(tmp_path: Path) -> None:
    copied = tmp_path / "measures.yaml"
    copied.write_text(resources.files("chengxin.sanctions").joinpath("measures.yaml").read_text("utf-8"), "utf-8")
    assert load_measures(copied).measures.keys() == default_measures().measures.keys()
    broken = tmp_path / "broken.yaml"
    broken.write_text("measures: [\n", "utf-8")
    with pytest.raises(MeasureError, match="不是合法的 YAML"):
        load_measures(broken)


# --- for_scenario ----------------------------------------------------------------------------


def test_for_scenario_groups_in_file_order() -> None:
    doc = _doc()
    extra = copy.deepcopy(_punishment(doc))
    extra.update(
        code="P-XZXK-01",
        name="从严审核",
        kind="stricter_review",
        scenarios=["administrative_licensing", "civil_service_recruitment"],
    )
    del extra["blocks_when_disputed"]
    doc["measures"].append(extra)
    measures = _parse(doc)
    assert [m.code for m in measures.for_scenario("civil_service_recruitment")] == ["P-GWY-01", "P-XZXK-01"]
    assert [m.code for m in measures.for_scenario("administrative_licensing")] == ["R-LSTD-01", "P-XZXK-01"]
    # Precomputed at load: the same tuple every time, no work per call.
    assert measures.for_scenario("administrative_licensing") is measures.for_scenario("administrative_licensing")
    assert measures.scenario_name("administrative_licensing") == "行政许可"
    assert measures.scenario_name("nowhere") == "nowhere"
    assert measures.measure("P-GWY-01") is measures.measures["P-GWY-01"]
    with pytest.raises(KeyError, match="未知的适用场景"):
        measures.for_scenario("nowhere")


def test_scenario_without_measures_is_empty() -> None:
    doc = _doc()
    doc["scenarios"].append({"code": "honours", "name": "评先评优"})
    assert _parse(doc).for_scenario("honours") == ()


def test_minimal_doc_is_valid_and_defaults_apply() -> None:
    measures = _parse(_doc())
    reward = measures.measures["R-LSTD-01"]
    assert reward.blocks_when_disputed is False
    assert reward.applies_to_responsible_persons is False
    assert reward.domains == ()
    assert reward.targets.items == ()
    assert reward.kind_label == "绿色通道"
    assert reward.effect_label == "守信激励"
    assert measures.measures["P-GWY-01"].mandatory


def test_domains_restrict_to_known_domains() -> None:
    doc = _doc()
    _punishment(doc)["domains"] = ["judicial", "tax"]
    assert _parse(doc).measures["P-GWY-01"].domains == ("judicial", "tax")


# --- validation ------------------------------------------------------------------------------


def _set(getter: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        getter(doc)[key] = value

    return mutate


def _drop(getter: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Callable[[dict[str, Any]], None]:
    def mutate(doc: dict[str, Any]) -> None:
        del getter(doc)[key]

    return mutate


def _targets(getter: Callable[[dict[str, Any]], dict[str, Any]], **targets: Any) -> Callable[[dict[str, Any]], None]:
    return _set(getter, "targets", targets)


def _duplicate_measure(doc: dict[str, Any]) -> None:
    twin = copy.deepcopy(_punishment(doc))
    twin["name"] = "另一项"
    doc["measures"].append(twin)


def _duplicate_scenario(doc: dict[str, Any]) -> None:
    doc["scenarios"].append({"code": "administrative_licensing", "name": "行政许可二"})


INVALID: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no legal basis": (_drop(_punishment, "legal_basis"), "没有依据的措施不能加载"),
    "empty legal basis": (_set(_punishment, "legal_basis", "  "), "缺少法律政策依据"),
    "unknown effect": (_set(_punishment, "effect", "warning"), "effect 应为"),
    "unknown kind": (_set(_punishment, "kind", "blacklist"), "未知的措施类型"),
    "reward kind on punishment": (_set(_punishment, "kind", "green_channel"), "不能用于失信惩戒措施"),
    "punishment kind on reward": (_set(_reward, "kind", "stricter_review"), "不能用于守信激励措施"),
    "prohibition on reward": (_set(_reward, "kind", "prohibition"), "不能用于守信激励措施"),
    "reward targets black list": (_targets(_reward, lists=["black"]), "激励措施只能针对红名单"),
    "reward targets watch list": (_targets(_reward, lists=["red", "watch"]), "激励措施只能针对红名单"),
    "reward targets severities": (_targets(_reward, lists=["red"], severities=["serious"]), "激励措施只能针对红名单"),
    "punishment targets red list": (_targets(_punishment, lists=["red"]), "惩戒措施只能针对"),
    "punishment targets conditions": (
        _targets(_punishment, lists=["black"], conditions=["good_record"]),
        "惩戒措施只能针对",
    ),
    "no target": (_targets(_punishment), "至少要指明一种名单"),
    "items alone are no target": (_targets(_punishment, items=["SFCP-01"]), "至少要指明一种名单"),
    "unknown list type": (_targets(_punishment, lists=["grey"]), "未知的名单类型编码"),
    "unknown severity": (_targets(_punishment, severities=["fatal"]), "未知的失信程度编码"),
    "unknown condition": (_targets(_reward, conditions=["rich"]), "未知的激励条件编码"),
    "unknown item": (_targets(_punishment, lists=["black"], items=["NOPE-01"]), "未知的目录项编码"),
    "unknown target key": (_targets(_punishment, lists=["black"], persons=["x"]), "含未知的键"),
    "unknown scenario": (_set(_punishment, "scenarios", ["space_travel"]), "未知的适用场景编码"),
    "empty scenarios": (_set(_punishment, "scenarios", []), "至少要有一个适用场景"),
    "missing scenarios": (_drop(_punishment, "scenarios"), "缺少 scenarios"),
    "unknown domain": (_set(_punishment, "domains", ["astrology"]), "未知的领域编码"),
    "unknown department": (_set(_punishment, "implementing_departments", ["ministry_of_magic"]), "未知的实施部门编码"),
    "no department": (_set(_punishment, "implementing_departments", []), "至少要有一个实施部门"),
    "duplicate department": (
        _set(_punishment, "implementing_departments", ["court", "court"]),
        "实施部门编码重复",
    ),
    "duplicate measure code": (_duplicate_measure, "措施编码 P-GWY-01 重复"),
    "duplicate scenario code": (_duplicate_scenario, "适用场景编码 administrative_licensing 重复"),
    "code prefix against effect": (_set(_reward, "code", "P-LSTD-01"), "应以 R- 开头"),
    "malformed code": (_set(_punishment, "code", "gwy1"), "编码应形如"),
    "prohibition must choose disputed": (_drop(_punishment, "blocks_when_disputed"), "必须写明异议期间"),
    "discretionary never blocks": (_set(_reward, "blocks_when_disputed", True), "只有禁止类"),
    "flag not boolean": (_set(_reward, "applies_to_responsible_persons", "是"), "必须是 true 或 false"),
    "unknown measure key": (_set(_punishment, "severity", "serious"), "含未知的键"),
    "missing top key": (lambda doc: doc.pop("scenarios"), "缺少 ['scenarios']"),
    "bad effective date": (lambda doc: doc.update(effective_date="明年"), "effective_date 必须是日期"),
    "empty measures": (lambda doc: doc.update(measures=[]), "必须是非空列表"),
}


@pytest.mark.parametrize("mutate, message", INVALID.values(), ids=INVALID.keys())
def test_invalid_documents_are_refused(mutate: Callable[[dict[str, Any]], None], message: str) -> None:
    doc = _doc()
    mutate(doc)
    with pytest.raises(MeasureError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _parse(doc)


def test_error_names_the_measure() -> None:
    doc = _doc()
    _reward(doc)["targets"] = {"lists": ["black"]}
    with pytest.raises(MeasureError, match=r"措施 R-LSTD-01（绿色通道）"):
        _parse(doc)


def test_catalog_items_are_checked_for_nature_and_reach() -> None:
    items = default_catalog().items
    doc = _doc()
    _punishment(doc)["targets"] = {"lists": ["black"], "items": ["BZJL-02"]}  # 诚信道德模范: positive
    with pytest.raises(MeasureError, match="不是失信（negative）信息项"):
        parse_measures(doc, departments=DEPARTMENTS, domains=DOMAINS, items=items)
    doc = _doc()
    _punishment(doc)["targets"] = {"lists": ["black"], "items": ["XZCF-01"]}  # 行政处罚: on no list
    with pytest.raises(MeasureError, match="永远不会命中"):
        parse_measures(doc, departments=DEPARTMENTS, domains=DOMAINS, items=items)
    _punishment(doc)["targets"] = {"lists": ["black"], "severities": ["general"], "items": ["XZCF-01"]}
    assert parse_measures(doc, departments=DEPARTMENTS, domains=DOMAINS, items=items).measures


def test_codes_default_to_the_packaged_catalog() -> None:
    doc = _doc()
    _punishment(doc)["implementing_departments"] = ["pboc"]  # in the catalog, not in the tiny world
    assert parse_measures(doc).measures["P-GWY-01"].implementing_departments == ("pboc",)
    with pytest.raises(MeasureError, match="未知的实施部门编码"):
        _parse(doc)
