"""Sources beyond departments (§5, R15): associations keep member files and recommend honest members;
credit agencies and their staff have a 违规经营 black list decided by the regulator."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from chengxin.catalog.rules import CatalogError, default_catalog, parse_catalog
from helpers import as_dept, check, cid, days_ago, file_of, listing_notice, submit

ASSOC = as_dept("assoc_construction")
PBOC = as_dept("pboc")


def _member(n: int, code: str, ref: str, **fields: Any) -> dict[str, Any]:
    return {"item_code": code, "id_number": cid(n), "name": "王五", "source_record_id": ref,
            "decision_date": days_ago(60), "fields": fields}


def test_associations_are_sources_of_their_own_kind() -> None:
    catalog = default_catalog()
    assert catalog.source_kinds == {"assoc_construction": "association", "assoc_catering": "association"}
    own = {i.code for i in catalog.items.values() if "assoc_construction" in i.source_departments}
    assert own == {"HYXH-01", "HYXH-02"}
    assert {catalog.items[c].nature for c in own} == {"neutral", "positive"}


def test_an_association_submits_its_items_and_nothing_else(client) -> None:
    res = submit(client, [
        _member(61, "HYXH-01", "XH-1", association="市建筑业协会", membership_no="JZ-001", member_status="正常"),
        _member(61, "HYXH-02", "XH-2", association="市建筑业协会", recommendation="连续五年无质量安全事故，诚信经营")],
        ASSOC)
    assert res.status_code == 201 and res.json()["created"] == 2, res.json()
    penalty = {"item_code": "XZCF-02", "id_number": cid(62), "name": "赵六", "source_record_id": "XH-3",
               "decision_date": days_ago(60), "fields": {"decision_no": "1", "violation": "x",
                                                        "penalty_type": "警告", "authority": "市建筑业协会"}}
    refused = submit(client, [penalty], ASSOC).json()
    assert refused["created"] == 0 and refused["issue_counts"] == {"RECORD_DEPARTMENT_NOT_SOURCE": 1}
    got = file_of(client, cid(61)).json()
    matters = {m["item_code"]: m for c in got["categories"] for m in c["matters"]}
    assert "HYXH-02" in matters and "HYXH-01" in matters  # the recommended honest member shows in the file
    assert got["summary"].get("negative", 0) == 0


def _catalog_doc() -> dict[str, Any]:
    return yaml.safe_load(resources.files("chengxin.catalog").joinpath("catalog.yaml").read_text("utf-8"))


def test_an_association_may_not_report_dishonesty_nor_share_a_departments_item() -> None:
    doc = _catalog_doc()
    item = next(e for e in doc["items"] if e["code"] == "HYXH-01")
    item.update(nature="negative", severity="minor", repairable=True,
                legal_basis=[{"level": "law", "citation": "《中华人民共和国建筑法》"}])
    with pytest.raises(CatalogError, match="只能报送中性或守信信息"):
        parse_catalog(doc)
    doc = _catalog_doc()
    item = next(e for e in doc["items"] if e["code"] == "XZCF-02")
    item["source_departments"] = [*item["source_departments"], "assoc_catering"]
    with pytest.raises(CatalogError, match="不能与政府部门共用"):
        parse_catalog(doc)
    doc = _catalog_doc()
    doc["departments"][-1]["kind"] = "club"
    with pytest.raises(CatalogError, match="kind 应为"):
        parse_catalog(doc)


def test_the_credit_agency_black_list_lists_and_hits_measures_as_its_basis_allows(client) -> None:
    row = _member(63, "ZXJG-01", "PBOC-ZX-1", person_role="法定代表人或者主要负责人", agency_name="某某征信有限公司",
                  violation="未经同意查询个人信息并对外提供", decision_no="银罚决字〔2026〕1号",
                  authority="中国人民银行市分行", **listing_notice(days_ago(60)))
    res = submit(client, [row], PBOC)
    assert res.json()["created"] == 1, res.json()
    civil = check(client, cid(63), "civil_service_recruitment").json()
    assert civil["decision"] == "block" and [h["measure_code"] for h in civil["hits"]] == ["P-GWY-01"]
    assert "征信业管理条例" in default_catalog().items["ZXJG-01"].legal_basis
    # Measures whose central basis covers court debtors only never reach this list (R9, R13).
    for scenario in ("public_institution_recruitment", "representative_nomination", "high_consumption"):
        assert check(client, cid(63), scenario).json()["hits"] == [], scenario
    other = submit(client, [row], as_dept("market_regulation")).json()  # only the regulator lists
    assert other["created"] == 0 and other["issue_counts"] == {"RECORD_DEPARTMENT_NOT_SOURCE": 1}
