"""The measure editor refuses what the loader refuses (R13), with the Chinese reason on the page."""

from __future__ import annotations

import re

from chengxin.editions import forms
from helpers import OPERATOR, with_csrf

DBTM = "/console/editions/measures/entries/P-DBTM-01"


def _form(client) -> dict[str, str]:
    page = client.get(DBTM, headers=OPERATOR).text
    version = re.search(r'id="f-version" name="version" type="text" value="([^"]+)"', page).group(1)
    basis = re.search(r'id="f-legal_basis"[^>]*>([^<]*)</textarea>', page).group(1)
    assert basis.startswith("党中央、国务院政策文件：") and "｜仅及于：SFCP-01" in basis
    assert 'id="f-nature"' in page and 'value="rights_reducing" selected' in page
    return {"name": "提请限制推荐失信被执行人为党代表、人大代表和政协委员候选人", "nature": "rights_reducing",
            "legal_basis": basis.replace("&#34;", '"'), "description": "推荐人选考察时提供信用状况。",
            "version": version, "change_note": "调整措施依据", "step": "validate"}


def _post(client, data: dict[str, str]):
    return client.post(DBTM, headers=with_csrf(OPERATOR), data=data, follow_redirects=False)


def test_the_editor_refuses_a_basis_too_weak_or_too_narrow(client):
    data = _form(client)
    local_only = "\n".join(ln for ln in data["legal_basis"].splitlines() if ln.startswith("规范性文件"))
    weak = _post(client, {**data, "legal_basis": local_only})
    assert weak.status_code == 200 and 'class="error-summary"' in weak.text
    assert "依据层级不足" in weak.text and "规范性文件" in weak.text
    unscoped = data["legal_basis"].replace("｜仅及于：SFCP-01", "｜仅及于：SFCP-02")
    wide = _post(client, {**data, "legal_basis": unscoped})
    assert "适用对象超出了依据的范围" in wide.text and "SFCP-01" in wide.text
    garbled = _post(client, {**data, "legal_basis": "随便写的依据"})
    assert re.search(r'id="e-legal_basis">.*?第 1 行应写成', garbled.text, re.S)
    retyped = _post(client, {**data, "nature": "market_social", "legal_basis": local_only})
    assert retyped.status_code == 200 and "校验通过" in retyped.text  # market measures may rest on any level


def test_bases_round_trip_through_the_form_lines():
    bases = [{"level": "central_policy", "citation": "中办发〔2016〕64号", "scope": {"items": ["SFCP-01"],
                                                                                "lists": ["black"]}},
             {"level": "law", "citation": "《公务员法》：第二十六条"}]
    assert forms.bases_from_text(forms.bases_text(bases)) == bases
    assert forms.bases_from_text("law: 《公务员法》") == [{"level": "law", "citation": "《公务员法》"}]
