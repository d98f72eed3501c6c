"""Editing the catalog and the measure list with a form, in two steps: 校验 shows a readable diff
against the version in force and keeps nothing; 发布 validates again and puts the version in force.
A refused form comes back with the reason beside its field and everything typed kept."""

from __future__ import annotations

import re
from datetime import date

from chengxin.editions import forms
from helpers import DEPT, OPERATOR, with_csrf

MEASURE = "/console/editions/measures/entries/P-GWY-01"
ITEM = "/console/editions/catalog/entries/XZCF-01"


def _post(client, path: str, data: dict):
    return client.post(path, headers=with_csrf(OPERATOR), data=data, follow_redirects=False)


def _current(client, kind: str) -> dict:
    return client.get(f"/api/v1/editions/{kind}/current", headers=OPERATOR).json()


def test_a_measure_is_changed_in_a_form_checked_against_the_version_in_force_then_published(client):
    listing = client.get("/console/editions/measures", headers=OPERATOR).text
    assert f'href="{MEASURE}"' in listing and "高级：直接编辑 YAML 全文" in listing
    form = client.get(MEASURE, headers=OPERATOR).text
    assert 'id="f-name"' in form and "不得录用为公务员" in form and 'id="f-legal_basis"' in form
    before = _current(client, "measures")
    suggested = re.search(r'id="f-version" name="version" type="text" value="([^"]+)"', form).group(1)
    assert suggested != before["version"]
    data = {"name": "不得录用为公务员（含参照管理单位）", "legal_basis": "法律：《中华人民共和国公务员法》第二十六条",
            "nature": "rights_reducing",
            "description": "资格审查时比对。", "blocks_when_disputed": "true", "version": suggested,
            "change_note": "扩大适用范围"}
    checked = _post(client, MEASURE, {**data, "step": "validate"})
    assert checked.status_code == 200 and "校验通过" in checked.text
    diff = re.search(r'aria-label="与现行版本的差异".*?</table>', checked.text, re.S).group(0)
    assert "<del>不得录用为公务员</del>" in diff and "<ins>不得录用为公务员（含参照管理单位）</ins>" in diff
    assert f"<del>{before['version']}</del>" in diff and f"<ins>{suggested}</ins>" in diff
    assert "<ins>是</ins>" in diff  # a yes/no reads as words
    assert _current(client, "measures")["version"] == before["version"]  # checking keeps nothing
    assert 'name="step" value="publish"' in checked.text
    published = _post(client, MEASURE, {**data, "step": "publish"})
    assert published.status_code == 303 and published.headers["location"] == "/console/editions/measures?saved=1"
    now = _current(client, "measures")
    assert now["version"] == suggested and "不得录用为公务员（含参照管理单位）" in now["content"]
    measure = next(m for m in client.get("/api/v1/measures").json()["measures"] if m["code"] == "P-GWY-01")
    assert measure["name"] == "不得录用为公务员（含参照管理单位）" and measure["blocks_when_disputed"] is True
    again = _post(client, MEASURE, {**data, "name": "再改一次", "step": "validate"})
    assert re.search(r'id="e-version">.*?已经使用过', again.text, re.S)  # the version is spent now


def test_a_refused_change_comes_back_with_its_reason_and_the_typed_values(client):
    form = client.get(ITEM, headers=OPERATOR).text
    version = re.search(r'name="version" type="text" value="([^"]+)"', form).group(1)
    assert 'id="f-severity"' in form  # a negative item has a default severity
    # An item collected only with consent may not be made public (the packaged validators refuse it).
    consent = client.get("/console/editions/catalog/entries/JCXX-02", headers=OPERATOR).text
    assert 'id="f-severity"' not in consent
    refused = _post(client, "/console/editions/catalog/entries/JCXX-02", {
        "name": "社会保险参保缴费信息", "disclosure": "public", "legal_basis": "《社会保险法》", "version": version,
        "change_note": "改为公开", "step": "validate"})
    assert refused.status_code == 200 and 'class="error-summary"' in refused.text
    assert "不得向社会公开" in refused.text and 'value="public" selected' in refused.text
    assert ">《社会保险法》</textarea>" in refused.text and ">改为公开</textarea>" in refused.text
    item = forms.entry(forms.document(_current(client, "catalog")["content"]), "catalog", "XZCF-01")
    unchanged = _post(client, ITEM, {**forms.values_of("catalog", item), "version": version,
                                     "change_note": "什么也没改", "step": "validate"})
    assert unchanged.status_code == 200 and "没有修改任何内容" in unchanged.text
    short = _post(client, ITEM, {"name": "行政处罚信息（一般程序）", "disclosure": "public", "severity": "general",
                                 "legal_basis": "x", "version": version, "change_note": "改", "step": "validate"})
    assert re.search(r'id="e-change_note">.*?至少 4 个字', short.text, re.S)
    assert client.get(ITEM, headers=DEPT).status_code == 403
    assert client.get("/console/editions/catalog/entries/NO-SUCH", headers=OPERATOR).status_code == 404


def test_versions_are_suggested_after_the_one_in_force_and_the_diff_reads_as_words():
    assert forms.next_version("2026.1", set()) == "2026.2"
    assert forms.next_version("2026.1", {"2026.2"}) == "2026.3"
    doc = {"version": "2026.1", "measures": [{"code": "M-1", "name": "甲", "legal_basis": "依据",
                                              "blocks_when_disputed": False}]}
    text, changes = forms.apply(doc, "measures", "M-1", {"name": "乙", "blocks_when_disputed": "true"},
                                version="2026.2", note="改名", day=date(2026, 11, 18))
    assert [(c.label, c.before, c.after) for c in changes] == [
        ("版本号", "2026.1", "2026.2"), ("措施名称", "甲", "乙"), ("异议处理期间仍然拦截", "否", "是")]
    assert "name: 乙" in text and "effective_date: 2026-11-18" in text and "changes: 改名" in text
