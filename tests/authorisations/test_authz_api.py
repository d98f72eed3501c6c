"""Authorised queries over HTTP: a person's token grants and revokes, a bank's token queries,
anyone verifies the receipt (endpoint and CLI)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from authz_data import BANK, OTHER_ORG, TEST_SIGNER, seed_records
from sqlalchemy import select, update
from typer.testing import CliRunner

from chengxin.access.models import AccessEntry
from chengxin.accounts import service as accounts
from chengxin.authorisations.models import Authorisation
from chengxin.cli import app as cli
from chengxin.clock import utcnow
from chengxin.settings import get_settings
from helpers import cid

ME = "/api/v1/me/authorisations"


def bearer(session, settings, **account) -> dict[str, str]:
    acc = accounts.create_account(session, display_name="测试", **account)
    return {"Authorization": f"Bearer {accounts.issue_token(session, settings, acc.id, name='测试').token}"}


@pytest.fixture
def person(session, settings, keys) -> dict[str, str]:
    return bearer(session, settings, kind="person", roles=["person"],
                  person_key=keys.subject_key("citizen_id", cid(1)))


@pytest.fixture
def bank(session, settings) -> dict[str, str]:
    return bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=BANK)


def create(client, headers, **overrides):
    body = {"grantee_uscc": BANK, "purpose_code": "loan", "purpose": "个人住房贷款审批", "scope": ["XZCF"],
            "valid_until": (utcnow() + timedelta(days=30)).isoformat(), "use_mode": "repeated", **overrides}
    return client.post(ME, json=body, headers=headers)


def ask(client, headers, authorisation_id: str, **overrides):
    body = {"purpose_code": "loan", "purpose": "个人住房贷款审批", **overrides}
    return client.post(f"/api/v1/authorisations/{authorisation_id}/query", json=body, headers=headers)


def log_entries(session, key: str) -> list[AccessEntry]:
    return list(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key)
                                .order_by(AccessEntry.seq)))


def test_grant_query_revoke_end_to_end(client, session, keys, person, bank):
    seed_records(client)
    key = keys.subject_key("citizen_id", cid(1))
    res = create(client, person)
    assert res.status_code == 201, res.text
    grant = res.json()
    assert grant["status"] == "active" and grant["receipt"]["receipt"]["grantor"] == key
    assert client.post("/api/v1/authorisations/verify-receipt", json=grant["receipt"]).json()["valid"] is True

    res = ask(client, bank, grant["id"], business_ref="DK-2026-1")
    assert res.status_code == 200, res.text
    report = res.json()
    assert [c["code"] for c in report["file"]["categories"]] == ["XZCF"]
    assert report["file"]["identity"]["id_number"] == cid(1)[:4] + "*" * 10 + cid(1)[-4:]
    assert report["file"]["identity"]["name"] == "张*" and cid(1) not in res.text

    listed = client.get(ME, headers=person).json()
    assert listed["total"] == 1 and listed["items"][0]["use_count"] == 1
    assert client.get(f"{ME}/{grant['id']}", headers=person).json()["receipt"] == grant["receipt"]

    revoked = client.post(f"{ME}/{grant['id']}/revoke", headers=person)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    refused = ask(client, bank, grant["id"])
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "AUTHZ_REVOKED"
    assert refused.json()["detail"] == "信息主体已撤销该授权，不能再据此查询"

    # Both the read and the refused attempt were committed to the access log, with the grant as basis.
    entries = log_entries(session, key)
    ours = [(e.action, e.basis, e.result, e.business_ref) for e in entries if e.action == "authorised_query"]
    assert ours == [("authorised_query", grant["id"], "ok", "DK-2026-1"),
                    ("authorised_query", grant["id"], "AUTHZ_REVOKED", None)]
    assert all(e.actor_role == "third_party" and e.actor_account for e in entries if e.action == "authorised_query")


@pytest.mark.parametrize(("change", "query", "code"), [
    ({"valid_from": -20, "valid_until": -10}, {}, "AUTHZ_EXPIRED"),
    ({"valid_from": 10, "valid_until": 20}, {}, "AUTHZ_NOT_YET_VALID"),
    ({}, {"scope": ["SFCP"]}, "AUTHZ_SCOPE"),
    ({}, {"purpose_code": "lease"}, "AUTHZ_PURPOSE"),
])
def test_each_refusal_over_http(client, session, person, bank, change, query, code):
    grant = create(client, person).json()
    if change:  # time passes: move the window instead of waiting
        now = utcnow()
        session.execute(update(Authorisation).where(Authorisation.id == grant["id"]).values(
            valid_from=now + timedelta(days=change["valid_from"]),
            valid_until=now + timedelta(days=change["valid_until"])))
        session.flush()
    res = ask(client, bank, grant["id"], **query)
    assert (res.status_code, res.json()["code"]) == (403, code)


def test_single_use_and_wrong_grantee_over_http(client, session, settings, person, bank):
    grant = create(client, person, use_mode="single").json()
    other = bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=OTHER_ORG)
    assert ask(client, other, grant["id"]).json()["code"] == "AUTHZ_GRANTEE"
    first = ask(client, bank, grant["id"])
    assert first.status_code == 200 and first.json()["found"] is False  # the platform holds nothing on them
    assert ask(client, bank, grant["id"]).json()["code"] == "AUTHZ_USED"
    assert ask(client, bank, "01JD0000000000000000000000").json()["code"] == "AUTHZ_NOT_FOUND"


def test_roles_reach_only_their_side(client, person, bank):
    grant = create(client, person).json()
    assert ask(client, person, grant["id"]).json()["code"] == "AUTH_FORBIDDEN"
    assert create(client, bank).json()["code"] == "AUTH_FORBIDDEN"
    assert client.get(ME, headers=bank).json()["code"] == "AUTH_FORBIDDEN"
    assert ask(client, {}, grant["id"]).status_code == 401
    assert client.get(ME).status_code == 401


def test_a_bad_grant_is_a_problem_with_a_code(client, person):
    res = create(client, person, purpose_code="gossip")
    assert (res.status_code, res.json()["code"]) == (422, "AUTHZ_PURPOSE_UNKNOWN")
    res = create(client, person, valid_until=(utcnow() + timedelta(days=400)).isoformat())
    assert (res.status_code, res.json()["code"]) == (422, "AUTHZ_VALIDITY_TOO_LONG")


def test_verify_endpoint_names_a_tampered_receipt(client, person):
    receipt = create(client, person).json()["receipt"]
    receipt["receipt"]["scope"] = ["full_report"]
    res = client.post("/api/v1/authorisations/verify-receipt", json=receipt)
    assert res.status_code == 200
    assert (res.json()["valid"], res.json()["code"]) == (False, "RECEIPT_SIGNATURE_INVALID")
    assert client.post("/api/v1/authorisations/verify-receipt", json={}).json()["code"] == "RECEIPT_MALFORMED"


def test_published_keys_and_the_cli_verify_offline(client, person, tmp_path: Path, monkeypatch):
    published = client.get("/api/v1/signing-keys").json()
    assert published["keys"][0]["key_id"] == TEST_SIGNER.key_id
    assert base64.b64decode(published["keys"][0]["public_key"]) == TEST_SIGNER.public_key()
    keys_file = tmp_path / "keys.pub.json"
    keys_file.write_text(json.dumps(published))
    receipt = create(client, person).json()["receipt"]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    receipt["receipt"]["valid_until"] = "2099-01-01T00:00:00Z"
    bad.write_text(json.dumps(receipt, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["authorisations", "verify-receipt", str(good), "--public-keys", str(keys_file)])
    assert res.exit_code == 0, res.output
    assert "有效" in res.output
    res = runner.invoke(cli, ["authorisations", "verify-receipt", str(bad), "--public-keys", str(keys_file)])
    assert res.exit_code == 1 and "RECEIPT_SIGNATURE_INVALID" in res.output
    # Without --public-keys the platform's own key verifies (here from the setting).
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHENGXIN_SIGNING_KEY", base64.b64encode(bytes(range(32))).decode())
    get_settings.cache_clear()
    try:
        assert runner.invoke(cli, ["authorisations", "verify-receipt", str(good)]).exit_code == 0
        res = runner.invoke(cli, ["keys", "public"])
        assert res.exit_code == 0 and json.loads(res.stdout)["keys"][0]["key_id"] == TEST_SIGNER.key_id
    finally:
        get_settings.cache_clear()
