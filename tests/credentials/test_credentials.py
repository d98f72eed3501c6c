"""The citizen credit credential (issue 16): issued from the person's standing, verified offline
(signature, validity) and online (revoked, still true), every status check in the access log."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from chengxin.cli import app as cli
from chengxin.clock import utcnow
from chengxin.credentials import proof, rules
from helpers import COURT, as_dept, as_person, cid, court_case, days_ago, penalty, submit

ME = "/api/v1/me/credentials"
VERIFY = "/api/v1/credentials/verify"
HERE = Path(__file__).parent


def _person(client, session, settings, keys, n: int) -> dict[str, str]:
    """A person with one general penalty in publicity: not listed, no serious record."""
    assert submit(client, [penalty(n)]).status_code == 201
    headers = as_person(session, settings, keys, cid(n))
    session.commit()
    return headers


def _issue(client, headers, claim: str = "not_blacklisted", **extra):
    return client.post(ME, headers=headers, json={"claim": claim, **extra})


def test_the_w3c_eddsa_jcs_2022_test_vector_verifies_with_our_algorithm():
    """The cryptosuite's own published test vector (w3c/vc-di-eddsa) checks out with `hash_data`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    doc = json.loads((HERE / "w3c_eddsa_jcs_2022_signed.json").read_text())
    multikey = proof.from_multibase(doc["proof"]["verificationMethod"].rsplit("#", 1)[1])
    assert multikey is not None and multikey[:2] == b"\xed\x01"  # the Ed25519 multicodec prefix
    key = Ed25519PublicKey.from_public_bytes(multikey[2:])
    options = {k: v for k, v in doc["proof"].items() if k != "proofValue"}
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    signature = proof.from_multibase(doc["proof"]["proofValue"])
    key.verify(signature, proof.hash_data(unsecured, options))  # raises when not


def test_base58_round_trips_leading_zeros():
    for raw in (b"", b"\0", b"\0\0\x01", bytes(range(64))):
        assert proof.b58decode(proof.b58encode(raw)) == raw
    assert proof.b58decode("0OIl") is None


def test_a_credential_verifies_offline_and_fails_expired_or_altered(client, session, settings, keys, signer):
    person = _person(client, session, settings, keys, 801)
    res = _issue(client, person)
    assert res.status_code == 201, res.text
    out = res.json()
    doc = out["credential"]
    subject = doc["credentialSubject"]
    assert subject == {"claim": "not_blacklisted", "statement": out["statement"], "asOf": subject["asOf"],
                       "name": "张*", "idNumber": cid(801)[:4] + "*" * 10 + cid(801)[-4:]}
    assert out["statement"].startswith("截至") and out["statement"].endswith("不在任何严重失信主体名单上")
    assert cid(801) not in json.dumps(doc, ensure_ascii=False)
    assert doc["proof"]["cryptosuite"] == "eddsa-jcs-2022" and doc["proof"]["proofValue"].startswith("z")
    assert doc["proof"]["verificationMethod"].endswith(f"/api/v1/signing-keys#{signer.key_id}")
    assert doc["credentialStatus"]["id"].endswith(f"/api/v1/credentials/{out['id']}/status")

    published = rules.PublicKeys.from_json(client.get("/api/v1/signing-keys").json())
    now = utcnow()
    assert rules.verify(doc, published, now).status == "valid"
    expired = rules.verify(doc, published, now + timedelta(minutes=settings.credential_minutes))
    assert (expired.status, expired.code) == ("expired", "CREDENTIAL_EXPIRED")
    # One character changed anywhere: the masked number, the statement, a date.
    for path, value in ((("credentialSubject", "idNumber"), subject["idNumber"][:-1] + "1"),
                        (("credentialSubject", "statement"), subject["statement"].replace("不在", "不再")),
                        (("validUntil",), doc["validUntil"].replace("Z", "+00:00"))):
        altered = copy.deepcopy(doc)
        target = altered
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        verdict = rules.verify(altered, published, now)
        assert (verdict.status, verdict.code) == ("altered", "CREDENTIAL_SIGNATURE_INVALID"), path
    assert rules.verify({"proof": None}, published, now).status == "altered"
    assert rules.verify(doc, rules.PublicKeys(), now).code == "CREDENTIAL_KEY_UNKNOWN"

    online = client.post(VERIFY, json=doc).json()
    assert (online["status"], online["valid"], online["name"]) == ("valid", True, "张*")
    text = json.dumps(doc, ensure_ascii=False).replace("张*", "李*")
    assert client.post(VERIFY, json=json.loads(text)).json()["status"] == "altered"


def test_expired_online_and_the_status_says_expired(client, session, settings, keys, clock):
    person = _person(client, session, settings, keys, 802)
    out = _issue(client, person).json()
    clock.advance(timedelta(minutes=61))
    assert client.post(VERIFY, json=out["credential"]).json()["status"] == "expired"
    assert client.get(f"/api/v1/credentials/{out['id']}/status").json()["status"] == "expired"
    assert client.get(ME, headers=person).json()["items"][0]["status"] == "expired"


def test_a_listed_person_is_refused_not_blacklisted(client, session, settings, keys):
    assert submit(client, [court_case(803)], headers=COURT).status_code == 201
    person = as_person(session, settings, keys, cid(803))
    session.commit()
    res = _issue(client, person)
    assert res.status_code == 422 and res.json()["code"] == "CREDENTIAL_LISTED"
    assert "黑名单" in res.json()["detail"]
    assert _issue(client, person, "no_serious_dishonesty").json()["code"] == "CREDENTIAL_SERIOUS_RECORD"
    assert _issue(client, person, "red_list").json()["code"] == "CREDENTIAL_NOT_ON_RED_LIST"
    assert _issue(client, person, "good_person").json()["code"] == "CREDENTIAL_CLAIM_UNKNOWN"
    assert client.get(ME, headers=person).json()["total"] == 0


def test_after_the_person_is_listed_the_status_says_superseded(client, session, settings, keys):
    person = _person(client, session, settings, keys, 804)
    out = _issue(client, person).json()
    clean = _issue(client, person, "no_serious_dishonesty").json()
    assert client.post(VERIFY, json=out["credential"]).json()["status"] == "valid"
    assert submit(client, [court_case(804, decided=days_ago(1))], headers=COURT).status_code == 201
    verdict = client.post(VERIFY, json=out["credential"]).json()
    assert (verdict["status"], verdict["code"]) == ("superseded", "CREDENTIAL_SUPERSEDED")
    assert "失信被执行人" not in json.dumps(verdict, ensure_ascii=False)  # never says why
    status = client.get(f"/api/v1/credentials/{clean['id']}/status").json()
    assert status["status"] == "superseded" and set(status) == {"id", "status", "status_label", "code", "message",
                                                                 "checked_at"}


def test_a_red_list_claim_names_the_list(client, session, settings, keys):
    person = _person(client, session, settings, keys, 805)
    entry = client.post("/api/v1/lists/entries", headers=as_dept("civilization_office"), json={
        "list_type": "red", "item_code": "ZYFW-02", "id_number": cid(805), "name": "张三",
        "basis": "《志愿服务条例》", "start_date": days_ago(3)})
    assert entry.status_code == 201, entry.text
    res = _issue(client, person, "red_list")
    assert res.status_code == 201, res.text
    assert res.json()["statement"].endswith("列入守信激励对象名单：优秀志愿者")
    assert res.json()["matter_id"] == entry.json()["id"]
    assert _issue(client, person, "red_list", matter_id="01JD0000000000000000000000").json()["code"] == \
        "CREDENTIAL_NOT_ON_RED_LIST"


def test_revoked_and_the_check_appears_in_the_persons_access_history(client, session, settings, keys):
    person = _person(client, session, settings, keys, 806)
    out = _issue(client, person).json()
    assert client.get(f"/api/v1/credentials/{out['id']}/status").json()["status"] == "valid"
    accesses = client.get("/api/v1/me/accesses", headers=person).json()["items"]
    check = next(a for a in accesses if a["action"] == "credential_check")
    assert (check["action_label"], check["purpose"], check["result"]) == ("信用凭证核验", "信用凭证核验", "valid")
    revoked = client.post(f"{ME}/{out['id']}/revoke", headers=person).json()
    assert revoked["status"] == "revoked"
    assert client.post(VERIFY, json=out["credential"]).json()["status"] == "revoked"
    assert client.get("/api/v1/credentials/01JD0000000000000000000000/status").status_code == 404
    other = _person(client, session, settings, keys, 807)
    assert client.post(f"{ME}/{out['id']}/revoke", headers=other).status_code == 404


def test_the_cli_verifies_offline_with_published_keys(client, session, settings, keys, tmp_path):
    person = _person(client, session, settings, keys, 808)
    doc = _issue(client, person).json()["credential"]
    published = tmp_path / "signing-keys.json"
    published.write_text(json.dumps(client.get("/api/v1/signing-keys").json()))
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    doc["credentialSubject"]["asOf"] = "2099-01-01"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(cli, ["credentials", "verify", str(good), "--keys", str(published)])
    assert res.exit_code == 0, res.output
    assert "有效" in res.output and "不在任何严重失信主体名单上" in res.output
    res = runner.invoke(cli, ["credentials", "verify", str(bad), "--keys", str(published)])
    assert res.exit_code == 1 and "CREDENTIAL_SIGNATURE_INVALID" in res.output


def test_a_child_under_fourteen_gets_no_credential(client, session, settings, keys):
    from datetime import date

    child = cid(809, born=date(2015, 3, 1))
    assert submit(client, [penalty(809, id_number=child, name="王小明")]).status_code == 201
    person = as_person(session, settings, keys, child)
    session.commit()
    res = _issue(client, person)
    assert res.status_code == 422 and res.json()["code"] == "CREDENTIAL_CHILD"
