"""A county supplement layered on the base catalog: only adds or narrows, never widens R3; its
difference is shown and exported; its items are collected like the base's."""

from __future__ import annotations

import copy
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

import helpers
from chengxin.accounts import service as accounts
from chengxin.accounts.models import ApiToken
from chengxin.accounts.rules import hash_secret
from chengxin.catalog import supplement
from chengxin.catalog.rules import CatalogError, default_catalog
from chengxin.clock import utcnow
from chengxin.departments import repository as departments
from chengxin.records.models import Record
from helpers import as_dept, cid, days_ago, submit

EXAMPLE = Path(supplement.__file__).parent / "supplements" / "340421-example.yaml"
BASE = default_catalog()


def _doc() -> dict:
    return yaml.safe_load(EXAMPLE.read_text("utf-8"))


def test_the_example_adds_an_item_and_narrows_a_disclosure():
    layered, sup = supplement.layer(BASE, _doc())
    assert (sup.region_code, sup.region_name, layered.version) == ("340421", "凤台县", "2026.1-FT.1")
    assert [i.code for i in sup.items] == ["FT-HTLY-01"] and "FT-HTLY-01" in layered.items
    assert layered.item("XZCF-02").disclosure == "authorised" and BASE.item("XZCF-02").disclosure == "government"
    assert layered.department_domains["ft_resettlement"] == "construction"
    assert set(BASE.items) < set(layered.items)  # nothing of the base is lost


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["items"][0]["fields"].append({"name": "blood_type", "label": "血型", "type": "string"}), "血型"),
    (lambda d: d["items"][0]["fields"].append({"name": "monthly_salary", "label": "月薪", "type": "decimal"}),
     "书面同意"),
    (lambda d: d.update(narrowed=[{"code": "XZCF-02", "disclosure": "public"}]), "只能收窄"),
    (lambda d: d.update(narrowed=[{"code": "XZCF-02", "disclosure": "government"}]), "只能收窄"),
    (lambda d: d["items"][0].update(code="XZCF-01"), "只能新增信息项"),
    (lambda d: d["departments"].append({"code": "court", "name": "法院"}), "只能新增"),
    (lambda d: d.update(base_version="2025.9"), "现行基础目录"),
    (lambda d: d.update(version="2026.1-FENGTAI-COUNTY"), "16"),
    (lambda d: d.update(categories=[]), "多余"),
])
def test_a_supplement_cannot_widen_or_overwrite(change, words):
    doc = copy.deepcopy(_doc())
    change(doc)
    with pytest.raises(CatalogError, match=words):
        supplement.layer(BASE, doc)


def _county_app(app, session, tmp_path):
    """The test app with the example supplement configured, its department registered in the test's
    transaction and given a submitting account."""
    app.state.settings = app.state.settings.model_copy(update={"catalog_supplement": EXAMPLE})
    app.state.catalog = supplement.in_force(app.state, app.state.catalog)
    departments.ensure(session, dict(app.state.supplement.departments))
    acc = accounts.create_account(session, kind="department", display_name="安置中心", roles=["submitter", "checker"],
                                  department_code="ft_resettlement")
    token_id, secret, _ = helpers.test_token("dept:ft_resettlement")
    session.add(ApiToken(id=token_id, account_id=acc.id, name="t", secret_hash=hash_secret(secret), scopes=acc.roles,
                         created_at=utcnow(), expires_at=utcnow() + timedelta(days=30)))
    session.commit()


def test_the_county_collects_its_own_item_and_shows_and_exports_the_difference(app, client, session, keys,
                                                                              tmp_path):
    _county_app(app, session, tmp_path)
    row = {"item_code": "FT-HTLY-01", "id_number": cid(951), "name": "赵四", "source_record_id": "FT-1",
           "decision_date": days_ago(20),
           "fields": {"agreement_no": "FT-2026-1", "breach": "逾期不腾退", "handling": "责令限期腾退"}}
    body = submit(client, [row], headers=as_dept("ft_resettlement")).json()
    assert body["created"] == 1, body
    record = session.scalars(select(Record).where(Record.source_record_id == "FT-1")).one()
    assert (record.catalog_version, record.domain) == ("2026.1-FT.1", "construction")
    page = client.get("/catalog/supplement")
    assert page.status_code == 200
    assert 'id="added-FT-HTLY-01"' in page.text and 'id="narrowed-XZCF-02"' in page.text and "凤台县" in page.text
    export = client.get("/catalog/supplement.yaml")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    assert export.headers["x-content-sha256"] == hashlib.sha256(export.content).hexdigest()
    pushed = yaml.safe_load(export.text)
    assert supplement.layer(BASE, pushed)[1].items[0].code == "FT-HTLY-01"  # the city can load what was pushed


def test_without_a_supplement_the_page_says_so(client):
    page = client.get("/catalog/supplement")
    assert page.status_code == 200 and "未配置本地补充目录" in page.text
    assert client.get("/catalog/supplement.yaml").status_code == 404


def test_a_base_the_supplement_no_longer_fits_is_refused_with_a_reason(app, tmp_path):
    import dataclasses

    from chengxin.errors import DomainError

    app.state.settings = app.state.settings.model_copy(update={"catalog_supplement": EXAMPLE})
    newer = dataclasses.replace(BASE, version="2027.1")
    with pytest.raises(DomainError) as err:
        supplement.in_force(app.state, newer)
    assert err.value.code == "CATALOG_SUPPLEMENT_INVALID" and "2027.1" in err.value.message
