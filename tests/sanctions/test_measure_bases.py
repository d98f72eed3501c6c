"""Every measure rests on a basis of the right level and no wider than it (R9, R13)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chengxin.legalbasis import NATIONAL, RULE_MAKING, strongest
from chengxin.sanctions.measures import MeasureError, default_measures, parse_measures

# Each shipped measure: (nature, level of its strongest basis). A change to the list shows up here.
SHIPPED: dict[str, tuple[str, str]] = {
    "P-GWY-01": ("rights_reducing", "law"),
    "P-SYDW-01": ("rights_reducing", "central_policy"),
    "P-ZFCG-01": ("rights_reducing", "law"),
    "P-ZFCG-02": ("rights_reducing", "law"),
    "P-ZBTB-01": ("rights_reducing", "central_policy"),
    "P-CZBZ-01": ("rights_reducing", "central_policy"),
    "P-CZBZ-02": ("rights_reducing", "central_policy"),
    "P-PXPY-01": ("rights_reducing", "central_policy"),
    "P-PXPY-02": ("rights_reducing", "central_policy"),
    **{f"P-GXF-0{n}": ("rights_reducing", "judicial_interpretation") for n in range(1, 9)},
    "P-GQRZ-01": ("rights_reducing", "law"),
    "P-SCZR-01": ("rights_reducing", "law"),
    "P-SHZZ-01": ("rights_reducing", "central_policy"),
    "P-NMG-01": ("rights_reducing", "administrative_regulation"),
    "P-ZYZG-01": ("management", "departmental_rule"),
    "P-ZYZC-01": ("rights_reducing", "central_policy"),
    "P-XZXK-01": ("rights_reducing", "central_policy"),
    "P-XZXK-02": ("rights_reducing", "central_policy"),
    "P-ZDJG-01": ("management", "central_policy"),
    "P-ZDJG-02": ("management", "central_policy"),
    "P-RZXD-01": ("market_social", "central_policy"),
    "P-RZXD-02": ("market_social", "central_policy"),
    "P-TDCR-01": ("rights_reducing", "central_policy"),
    "P-DBTM-01": ("rights_reducing", "central_policy"),
    "R-LSTD-01": ("management", "central_policy"),
    "R-RQSL-01": ("management", "central_policy"),
    "R-YXBL-01": ("management", "normative"),
    "R-PXPY-01": ("management", "normative"),
    "R-XYD-01": ("market_social", "central_policy"),
    "R-JCPC-01": ("management", "central_policy"),
    "R-GGFW-01": ("management", "central_policy"),
    "R-CZZJ-01": ("management", "central_policy"),
    "R-ZYZ-01": ("management", "normative"),
    "R-JFMY-01": ("management", "normative"),
    "R-JFRQ-01": ("management", "central_policy"),
    "R-JFYX-01": ("management", "normative"),
}


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_every_shipped_measure_has_its_nature_and_basis_level(code: str) -> None:
    measure = default_measures().measure(code)
    assert measure is not None
    nature, level = SHIPPED[code]
    assert (measure.nature, strongest(measure.bases).level) == (nature, level)
    if nature == "rights_reducing":
        assert level in NATIONAL
    elif nature == "management" and measure.effect == "punishment":
        assert level in RULE_MAKING
    assert all(b.citation for b in measure.bases)


def test_the_table_covers_the_whole_list() -> None:
    assert set(SHIPPED) == set(default_measures().measures)


def test_the_three_fixed_measures() -> None:
    measures = default_measures()
    debtors = measures.measure("P-DBTM-01")
    assert debtors is not None and debtors.targets.items == ("SFCP-01",)
    honours = measures.measure("P-PXPY-02")
    assert honours is not None and honours.targets.severities == ("serious",)
    assert "国发〔2016〕33号" in honours.legal_basis
    bidding = measures.measure("P-ZBTB-01")
    assert bidding is not None and strongest(bidding.bases).level == "central_policy"


# --- refusals -----------------------------------------------------------------------------------

ITEMS = {"SFCP-01", "XZCF-01"}
_64 = {"level": "central_policy", "citation": "中办发〔2016〕64号", "scope": {"items": ["SFCP-01"]}}
_LOCAL = {"level": "normative", "citation": "《淮南市加强个人诚信体系建设实施方案》（淮府办秘〔2017〕235号）"}


def _doc(**measure: Any) -> dict[str, Any]:
    base = {"code": "P-DBTM-01", "name": "提请限制推荐", "effect": "punishment", "kind": "stricter_review",
            "nature": "rights_reducing", "targets": {"lists": ["black"], "items": ["SFCP-01"]},
            "scenarios": ["honours"], "implementing_departments": ["credit_office"],
            "legal_basis": [_64, _LOCAL], "description": "提请限制。"}
    base.update(measure)
    return {"version": "t", "effective_date": "2026-11-01", "changes": "", "measures": [base],
            "scenarios": [{"code": "honours", "name": "评先评优"}]}


def _refused(doc: dict[str, Any]) -> str:
    with pytest.raises(MeasureError) as err:
        parse_measures(doc, departments={"credit_office"}, domains=set(), items=ITEMS)
    return str(err.value)


def test_a_good_measure_loads() -> None:
    parsed = parse_measures(_doc(), departments={"credit_office"}, domains=set(), items=ITEMS)
    assert parsed.measures["P-DBTM-01"].bases[0].items == ("SFCP-01",)


def test_rights_reducing_on_local_documents_only_is_refused() -> None:
    reason = _refused(_doc(legal_basis=[_LOCAL]))
    assert "依据层级不足" in reason and "规范性文件" in reason and "法律" in reason


def test_a_target_wider_than_its_basis_is_refused() -> None:
    reason = _refused(_doc(targets={"lists": ["black"]}))
    assert "适用对象超出了依据的范围" in reason and "SFCP-01" in reason
    assert "超出" in _refused(_doc(targets={"lists": ["black"], "items": ["SFCP-01", "XZCF-01"]}))


def test_a_management_punishment_needs_a_rule() -> None:
    assert "依据层级不足" in _refused(_doc(nature="management", legal_basis=[_LOCAL]))
    rule = {"level": "departmental_rule", "citation": "某部令第1号"}
    parse_measures(_doc(nature="management", legal_basis=[rule], targets={"lists": ["black"]}),
                   departments={"credit_office"}, domains=set(), items=ITEMS)


def test_a_prohibition_is_rights_reducing_and_a_reward_never_is() -> None:
    assert "必须是 rights_reducing" in _refused(_doc(kind="prohibition", nature="management",
                                                       blocks_when_disputed=False))
    reward = _doc(code="R-X-01", effect="reward", kind="priority", targets={"lists": ["red"]})
    assert "激励措施不会减损权益" in _refused(reward)


@pytest.mark.parametrize("basis, words", [
    ("国办发〔2016〕98号", "必须是非空列表"),
    ([{"level": "decree", "citation": "x"}], "未知的依据层级"),
    ([{"level": "law", "citation": " "}], "citation"),
    ([{"level": "law", "citation": "x", "scope": {"items": ["NOPE-01"]}}], "未知的目录项"),
    ([{"level": "law", "citation": "x", "scope": {"persons": ["a"]}}], "scope 只能写"),
])
def test_malformed_bases_are_refused(basis: Any, words: str) -> None:
    assert words in _refused(_doc(legal_basis=copy.deepcopy(basis)))


def test_unknown_nature_is_refused() -> None:
    assert "未知的措施性质" in _refused(_doc(nature="harsh"))


# --- the public page and API show each basis with its level, and the measure's nature -------------


def test_public_measures_show_bases_with_their_level(client) -> None:
    body = client.get("/api/v1/measures", params={"scenario": "representative_nomination"}).json()
    (measure,) = body["measures"]
    assert measure["nature"] == "rights_reducing" and measure["nature_label"] == "减损权益或增加义务"
    assert [(b["level"], b["level_label"], b["scope"]) for b in measure["bases"]] == [
        ("central_policy", "党中央、国务院政策文件", ["SFCP-01"]), ("normative", "规范性文件", [])]
    page = client.get("/measures", params={"q": "P-DBTM-01"}).text
    assert '<span class="tag level-central_policy">党中央、国务院政策文件</span>' in page
    assert "（仅及于 SFCP-01）" in page and "减损权益或增加义务" in page
    market = client.get("/measures", params={"q": "市场和社会措施"}).text
    assert "P-RZXD-02" in market and "P-GWY-01" not in market
