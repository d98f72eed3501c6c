"""Catalog items may type their bases too; a dishonesty item never rests on normative documents alone."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from chengxin.catalog.rules import CatalogError, default_catalog, parse_catalog
from chengxin.sanctions.measures import default_measures


def _doc() -> dict[str, Any]:
    text = resources.files("chengxin.catalog").joinpath("catalog.yaml").read_text("utf-8")
    return yaml.safe_load(text)


def _entry(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(e for e in doc["items"] if e["code"] == code)


def test_utility_payments_are_neutral_consent_only_and_reach_no_measure() -> None:
    item = default_catalog().items["GYJF-01"]
    assert (item.nature, item.list_type, item.severity) == ("neutral", None, None)
    assert item.consent_required and item.disclosure == "authorised"
    assert [b.level for b in item.bases] == ["central_policy", "administrative_regulation"]
    assert "国办发〔2016〕98号" in item.legal_basis
    assert not any("GYJF-01" in m.targets.items for m in default_measures().measures.values())


def test_a_negative_item_on_normative_documents_only_is_refused() -> None:
    doc = _doc()
    entry = _entry(doc, "GYJF-01")
    entry.update(nature="negative", severity="minor", consent_required=False, legal_basis=[
        {"level": "normative", "citation": "《淮南市加强个人诚信体系建设实施方案》（淮府办秘〔2017〕235号）"}])
    with pytest.raises(CatalogError, match="失信信息项的依据只有规范性文件"):
        parse_catalog(doc)
    entry["legal_basis"].append({"level": "departmental_rule", "citation": "某部令第1号"})
    assert parse_catalog(doc).items["GYJF-01"].nature == "negative"  # a rule is enough for an item


@pytest.mark.parametrize("basis, words", [
    ([], "必须是非空列表"),
    ([{"level": "edict", "citation": "x"}], "未知的依据层级"),
    ([{"citation": "x"}], "应写成"),
])
def test_malformed_item_bases_are_refused(basis: Any, words: str) -> None:
    doc = _doc()
    _entry(doc, "GYJF-01")["legal_basis"] = basis
    with pytest.raises(CatalogError, match=words):
        parse_catalog(doc)


def test_an_untyped_text_basis_is_still_read_as_before() -> None:
    item = default_catalog().items["XZCF-01"]
    assert item.bases == () and "行政处罚法" in item.legal_basis
