"""Authorised queries at the service layer: grants, each refusal, revocation, the log, masking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from authz_data import BANK, OTHER_ORG, TEST_SIGNER, bank, grant, person_of, seed_records
from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.authorisations import rules, service
from chengxin.authorisations import schemas as s
from chengxin.authorisations.models import Authorisation
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.errors import DomainError
from chengxin.publicity.rules import default_tiers
from chengxin.signing import PublicKeys
from helpers import cid, submit

TIERS = default_tiers()


def query(session, catalog, keys, authorisation_id: str, caller: Caller | None = None, now=None, **body):
    payload = {"purpose_code": "loan", "purpose": "个人住房贷款审批", **body}
    return service.query(session, caller or bank(), authorisation_id, s.QueryIn(**payload), catalog=catalog,
                         keys=keys, tiers=TIERS, now=now)


def log_of(session, key: str) -> list[AccessEntry]:
    return list(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key)
                                .order_by(AccessEntry.seq)))


def test_a_grant_is_kept_under_the_person_key_with_a_receipt_that_verifies(session, catalog, keys):
    person = person_of(keys)
    row = grant(session, catalog, person, scope=["XZCF", "SFCP", "XZCF"], purpose="  个人住房  贷款审批 ")
    assert (row.grantor_key, row.grantee_uscc, row.scope, row.purpose) == (
        person.person_key, BANK, ["SFCP", "XZCF"], "个人住房 贷款审批")
    assert row.valid_from.microsecond == 0 and row.key_id == TEST_SIGNER.key_id
    session.expire_all()  # the receipt rebuilt from the stored row is the one that was signed
    out = service.to_out(session.get(Authorisation, row.id), catalog)
    doc = out.receipt.model_dump()
    assert rules.verify_receipt(doc, PublicKeys.from_json(TEST_SIGNER.published())).valid
    assert doc["receipt"]["grantor"] == person.person_key
    assert cid(1) not in str(doc) and out.status == "active" and out.scope_labels == ["司法裁判及执行", "行政处罚"]


@pytest.mark.parametrize(("overrides", "code"), [
    ({"grantee_uscc": "91110000600037341N"}, "USCC_CHECKSUM"),
    ({"purpose_code": "curiosity"}, "AUTHZ_PURPOSE_UNKNOWN"),
    ({"scope": ["NOPE"]}, "AUTHZ_SCOPE_UNKNOWN"),
    ({"valid_until": utcnow() + timedelta(days=400)}, "AUTHZ_VALIDITY_TOO_LONG"),
    ({"valid_from": utcnow() - timedelta(days=1)}, "AUTHZ_VALIDITY_INVALID"),
])
def test_a_bad_grant_is_refused_with_a_reason(session, catalog, keys, overrides, code):
    with pytest.raises(DomainError) as err:
        grant(session, catalog, person_of(keys), **overrides)
    assert err.value.code == code and err.value.status == 422


def test_only_a_person_grants_and_only_their_own_grants_are_theirs(session, catalog, keys):
    with pytest.raises(DomainError) as err:
        grant(session, catalog, bank())
    assert err.value.code == "AUTH_PERSON_REQUIRED"
    row = grant(session, catalog, person_of(keys, 1))
    assert [r.id for r in service.own(session, person_of(keys, 1))] == [row.id]
    assert service.own(session, person_of(keys, 2)) == []
    for attempt in (lambda: service.get_own(session, person_of(keys, 2), row.id),
                    lambda: service.revoke(session, person_of(keys, 2), row.id)):
        with pytest.raises(DomainError) as err:
            attempt()
        assert (err.value.code, err.value.status) == ("AUTHZ_NOT_FOUND", 404)
    assert service.get_own(session, person_of(keys, 1), row.id).revoked_at is None


def test_a_query_in_scope_answers_the_masked_file_and_is_logged(client, session, catalog, keys):
    seed_records(client)
    person = person_of(keys)
    row = grant(session, catalog, person, scope=["XZCF"])
    report = query(session, catalog, keys, row.id, business_ref="DK-1")
    file = report.file
    assert report.found and report.use_count == 1 and report.scope == ["XZCF"]
    assert [c.code for c in file.categories] == ["XZCF"]  # the court case and the award stay out
    assert [m.item_code for m in file.categories[0].matters] == ["XZCF-01"]  # government-only withheld
    assert (file.summary.total, file.summary.negative, file.summary.positive) == (1, 1, 0)
    ident = file.identity
    assert (ident.id_number, ident.name, ident.masked) == ("1101**********" + cid(1)[-4:], "张*", True)
    assert (ident.birth_year, ident.sex, ident.region_code, ident.region_name) == (None, None, None, None)
    assert cid(1) not in report.model_dump_json()
    [entry] = log_of(session, person.person_key)
    assert (entry.action, entry.basis, entry.result, entry.purpose, entry.business_ref, entry.actor_role) == (
        "authorised_query", row.id, "ok", "贷款审批：个人住房贷款审批", "DK-1", "third_party")
    assert session.get(Authorisation, row.id).use_count == 1


def test_the_full_report_shows_every_category_a_third_party_may_see(client, session, catalog, keys):
    seed_records(client)
    row = grant(session, catalog, person_of(keys), scope=["full_report"])
    file = query(session, catalog, keys, row.id).file
    assert [c.code for c in file.categories] == ["SFCP", "XZCF", "XZJL"]
    assert file.summary.total == 3
    narrowed = query(session, catalog, keys, row.id, scope=["SFCP"]).file
    assert [c.code for c in narrowed.categories] == ["SFCP"]


def test_revoked_records_are_not_shared(client, session, catalog, keys):
    seed_records(client)
    from helpers import DEPT

    res = client.post("/api/v1/records/revocations", headers=DEPT,
                      json={"source_record_id": "SCJG-2026-000001", "reason": "行政复议撤销原处罚决定"})
    assert res.status_code == 200, res.json()
    row = grant(session, catalog, person_of(keys), scope=["XZCF"])
    assert query(session, catalog, keys, row.id).file.categories == []


def _refused(session, catalog, keys, authorisation_id, **kw) -> str:
    with pytest.raises(rules.Refused) as err:
        query(session, catalog, keys, authorisation_id, **kw)
    assert err.value.status == 403 and err.value.message == rules.REFUSALS[err.value.code]
    return err.value.code


@pytest.mark.parametrize(("grant_kw", "query_kw", "code"), [
    ({}, {"caller": bank(OTHER_ORG)}, "AUTHZ_GRANTEE"),
    ({}, {"now": utcnow() + timedelta(days=31)}, "AUTHZ_EXPIRED"),
    ({"valid_from": utcnow() + timedelta(days=2)}, {}, "AUTHZ_NOT_YET_VALID"),
    ({}, {"scope": ["SFCP"]}, "AUTHZ_SCOPE"),
    ({}, {"scope": ["full_report"]}, "AUTHZ_SCOPE"),
    ({}, {"purpose_code": "recruitment"}, "AUTHZ_PURPOSE"),
])
def test_each_refusal_has_its_code_and_is_logged_without_personal_data(client, session, catalog, keys, grant_kw,
                                                                       query_kw, code):
    seed_records(client)
    person = person_of(keys)
    row = grant(session, catalog, person, **grant_kw)
    assert _refused(session, catalog, keys, row.id, **query_kw) == code
    [entry] = log_of(session, person.person_key)
    assert (entry.action, entry.basis, entry.result) == ("authorised_query", row.id, code)
    assert session.get(Authorisation, row.id).use_count == 0  # a refusal spends nothing


def test_revocation_takes_effect_at_once(client, session, catalog, keys):
    seed_records(client)
    person = person_of(keys)
    row = grant(session, catalog, person)
    assert query(session, catalog, keys, row.id).found
    revoked = service.revoke(session, person, row.id)
    assert revoked.revoked_at is not None
    assert service.to_out(revoked, catalog).status == "revoked"
    assert _refused(session, catalog, keys, row.id) == "AUTHZ_REVOKED"
    first = revoked.revoked_at
    assert service.revoke(session, person, row.id, now=utcnow() + timedelta(hours=1)).revoked_at == first
    assert [e.result for e in log_of(session, person.person_key)] == ["ok", "AUTHZ_REVOKED"]


def test_a_single_use_grant_answers_once(client, session, catalog, keys):
    seed_records(client)
    row = grant(session, catalog, person_of(keys), use_mode="single")
    assert query(session, catalog, keys, row.id).use_count == 1
    assert _refused(session, catalog, keys, row.id) == "AUTHZ_USED"
    assert session.get(Authorisation, row.id).use_count == 1
    assert service.to_out(session.get(Authorisation, row.id), catalog).status == "used"


def test_a_repeated_grant_counts_its_uses(client, session, catalog, keys):
    seed_records(client)
    row = grant(session, catalog, person_of(keys))
    assert [query(session, catalog, keys, row.id).use_count for _ in range(3)] == [1, 2, 3]
    assert session.get(Authorisation, row.id).last_used_at is not None


def test_an_unknown_authorisation_is_refused_and_logged_against_no_one(session, catalog, keys):
    assert _refused(session, catalog, keys, "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E") == "AUTHZ_NOT_FOUND"
    assert _refused(session, catalog, keys, "' OR 1=1 --") == "AUTHZ_NOT_FOUND"
    entries = log_of(session, "")
    assert [(e.result, e.basis) for e in entries] == [("AUTHZ_NOT_FOUND", "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E"),
                                                      ("AUTHZ_NOT_FOUND", None)]


def test_an_organisation_account_is_needed_to_query(session, catalog, keys):
    row = grant(session, catalog, person_of(keys))
    with pytest.raises(DomainError) as err:
        query(session, catalog, keys, row.id, caller=Caller.of(frozenset({"third_party"})))
    assert err.value.code == "AUTH_ORGANISATION_REQUIRED"


def test_a_person_the_platform_holds_nothing_about_gets_an_empty_answer(session, catalog, keys):
    person = person_of(keys, 40)
    row = grant(session, catalog, person)
    report = query(session, catalog, keys, row.id)
    assert (report.found, report.file, report.use_count) == (False, None, 1)
    assert [e.result for e in log_of(session, person.person_key)] == ["ok"]


def test_a_minors_minor_dishonesty_is_not_shared(client, session, catalog, keys):
    born = date(2009, 3, 1)  # 17 in 2026
    ident = {"id_number": cid(5, born=born), "name": "李小"}
    res = submit(client, [{"item_code": "XZCF-02", **ident, "source_record_id": "JY-1",
                           "decision_date": "2026-05-01",
                           "fields": {"decision_no": "当场〔2026〕1号", "violation": "占道经营", "penalty_type": "警告",
                                      "authority": "市市场监督管理局"}}])
    assert res.json()["created"] == 1, res.json()
    from helpers import penalty

    assert submit(client, [penalty(5, **ident)]).json()["created"] == 1
    person = person_of(keys, 5, born=born)
    row = grant(session, catalog, person, scope=["full_report"])
    file = query(session, catalog, keys, row.id).file
    assert [m.item_code for c in file.categories for m in c.matters] == ["XZCF-01"]  # XZCF-02 (minor) withheld


def test_nothing_about_a_child_under_14_is_shared(client, session, catalog, keys):
    born = date(2014, 3, 1)
    from helpers import penalty

    assert submit(client, [penalty(6, id_number=cid(6, born=born))]).json()["created"] == 1
    person = person_of(keys, 6, born=born)
    row = grant(session, catalog, person, scope=["full_report"])
    file = query(session, catalog, keys, row.id).file
    assert file.categories == [] and file.summary.total == 0 and file.identity.masked
