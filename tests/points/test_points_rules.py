"""The points model is data, validated at load; a ledger follows the matters on a given day."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from chengxin.catalog.rules import default_catalog
from chengxin.datafiles import read_yaml
from chengxin.points.rules import PointsError, default_model, is_minor, ledger, parse_model

DAY = date(2026, 12, 7)


def packaged() -> dict:
    return copy.deepcopy(read_yaml("chengxin.points", "model.yaml", None, PointsError))


def refused(doc: dict) -> str:
    with pytest.raises(PointsError) as err:
        parse_model(doc)
    return str(err.value)


def rule(doc: dict, code: str) -> dict:
    return next(r for d in doc["dimensions"] for r in d["rules"] if r["code"] == code)


def test_the_packaged_model_loads_and_every_item_it_scores_is_in_the_catalog():
    model = default_model()
    catalog = default_catalog()
    assert model.grade_codes == ("A", "B", "C", "D") and model.base == 600
    assert all(code in catalog.items for r in model.rules for code in r.items)
    # 兴山: trust weighs more than dishonesty per matter of the same standing
    assert rule(packaged(), "honour_award")["points"] > -rule(packaged(), "general")["points"]


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: rule(d, "volunteer")["items"].append("XX-99"), "不在公共信用信息目录"),
    (lambda d: rule(d, "volunteer").update(points=-10), "是守信信息，不能扣分"),
    (lambda d: rule(d, "general").update(points=5), "是失信信息，不能加分"),
    (lambda d: rule(d, "donation")["items"].append("GYJF-01"), "须经本人书面同意"),  # utility fees: consent
    (lambda d: rule(d, "donation")["items"].append("JCXX-01"), "户籍登记信息"),
    (lambda d: rule(d, "donation")["items"].append("ZYZG-01"), "中性信息"),
    (lambda d: rule(d, "donation")["items"].append("ZYFW-01"), "已由规则 volunteer 计分"),
    (lambda d: d["grades"][-1].update(min=100), "最低分须等于分数下限"),
    (lambda d: d["grades"].reverse(), "从高到低"),
    (lambda d: d.update(base=2000), "基础分"),
    (lambda d: rule(d, "blood").update(points=0), "不能为 0"),
    (lambda d: rule(d, "blood").update(weight_by_income=1), "未知的键"),
    (lambda d: d.update(religion_factor=1), "未知的键"),
])
def test_a_model_that_scores_what_it_may_not_is_refused_with_the_reason(change, says):
    doc = packaged()
    change(doc)
    assert says in refused(doc)


def test_an_organisation_only_item_is_refused():
    catalog = default_catalog()
    org_item = next(c for c, i in catalog.items.items() if i.subject == "organisation")
    doc = packaged()
    rule(doc, "honour_award")["items"].append(org_item)
    assert "只涉及组织" in refused(doc)


def m(mid: str, item: str, start: date, *, nature: str = "positive", severity: str | None = None,
      list_type: str | None = None, ended_on: date | None = None, end_reason: str | None = None,
      planned_end: date | None = None) -> tuple:
    return ("p", mid, mid, item, nature, severity, list_type, "x", "", start, planned_end, ended_on, end_reason,
            None, None)


def test_a_ledger_names_each_matter_its_rule_and_the_day_it_counts_until():
    model, catalog = default_model(), default_catalog()
    rows = [m("v1", "ZYFW-01", date(2026, 3, 1)), m("p1", "XZCF-01", date(2026, 6, 1), nature="negative",
                                                     severity="general")]
    book = ledger(model, catalog, rows, DAY)
    by = {ln.matter_id: ln for ln in book.lines}
    assert by["v1"].rule.code == "volunteer" and by["v1"].points == 10
    assert by["v1"].counts_until == date(2029, 2, 28)  # 36 months from 2026-03-01
    assert by["p1"].rule.code == "general" and by["p1"].points == -40
    assert by["p1"].counts_until == date(2027, 6, 1)  # the general tier's longest publicity (1 year)
    assert book.score == 600 + 10 - 40 and book.grade.code == "C"
    assert "2026-06-01 决定的“行政处罚信息”申请信用修复" in book.raises[0].text and book.raises[0].points == 40
    assert any(r.text.startswith("志愿服务") and "还可计 9 条" in r.text for r in book.raises)


def test_repaired_revoked_or_expired_matters_stop_counting_on_their_day():
    model, catalog = default_model(), default_catalog()
    penalty = dict(nature="negative", severity="general")
    rows = [m("a", "XZCF-01", date(2026, 6, 1), ended_on=DAY, end_reason="repaired", **penalty),
            m("b", "XZCF-01", date(2026, 6, 1), ended_on=DAY, end_reason="revoked", **penalty),
            m("c", "XZCF-01", date(2025, 6, 1), **penalty)]  # its year ended 2026-06-01
    assert ledger(model, catalog, rows, DAY).lines == ()
    before = ledger(model, catalog, rows, date(2026, 12, 6))
    assert {ln.matter_id for ln in before.lines} == {"a", "b"} and before.score == 520


def test_decay_counts_and_caps_are_applied_and_said():
    model, catalog = default_model(), default_catalog()
    rows = [m("old", "XZJL-01", date(2024, 11, 1)), m("new", "XZJL-01", date(2026, 11, 1))]
    book = ledger(model, catalog, rows, DAY)
    by = {ln.matter_id: ln for ln in book.lines}
    assert by["new"].points == 40 and by["new"].counts_until == date(2027, 10, 31)  # halves after 12 months
    assert by["old"].points == 10 and "递减" in by["old"].note  # 25 months: two halvings
    many = [m(f"v{i}", "ZYFW-01", date(2026, 1, 1 + i)) for i in range(12)]
    book = ledger(model, catalog, many, DAY)
    assert sum(ln.points for ln in book.lines) == 100  # ten count
    assert [ln.matter_id for ln in book.lines if ln.points == 0] == ["v1", "v0"]  # the oldest two do not
    blood = [m(f"b{i}", "WCXX-01", date(2026, 1, 1 + i)) for i in range(6)]
    bravery = [m(f"j{i}", "JYYW-01", date(2026, 2, 1 + i)) for i in range(2)]
    book = ledger(model, catalog, many + blood + bravery, DAY)
    total = next(t for t in book.totals if t.dimension.code == "public_good")
    assert total.uncapped == 100 + 90 + 160 and total.points == 150  # the dimension's cap


def test_minors_are_told_apart_on_the_day():
    assert is_minor(date(2008, 12, 8), DAY) and not is_minor(date(2008, 12, 7), DAY)
    assert not is_minor(None, DAY)



def test_the_score_alone_is_the_ledger_s_score_on_any_mix_of_matters():
    import random

    from chengxin.points.rules import score_of
    from chengxin.publicity.rules import default_tiers

    model, catalog, tiers = default_model(), default_catalog(), default_tiers()
    rng = random.Random(20)
    items = [c for r in model.rules for c in r.items]
    ends = [None, None, "repaired", "revoked"]
    memos: dict[date, dict] = {DAY: {}, date(2025, 1, 1): {}}  # shared by all persons, as in a grading run
    for person in range(400):
        rows = []
        for k in range(rng.randint(0, 14)):
            item = catalog.items[rng.choice(items)]
            start = date(2021 + rng.randint(0, 5), rng.randint(1, 12), rng.randint(1, 28))
            reason = rng.choice(ends)
            rows.append(m(f"{person}-{k}", item.code, start, nature=item.nature, severity=item.severity,
                          list_type=item.list_type, end_reason=reason, ended_on=DAY if reason else None))
        for day in (DAY, date(2025, 1, 1)):
            expected = ledger(model, catalog, rows, day, tiers).score
            assert score_of(model, rows, day, tiers) == score_of(model, rows, day, tiers, memos[day]) == expected
