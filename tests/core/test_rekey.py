"""Hash-secret rotation: every person-keyed table moves to the new key, the access log stays as
it was and still resolves each person's history, lookups work before, during and after."""

from __future__ import annotations

from sqlalchemy import insert, select

from chengxin.access.models import AccessEntry
from chengxin.checks.models import Check
from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.keyring import repository as repo
from chengxin.keyring import service
from chengxin.keyring.models import SubjectKeyAlias
from chengxin.matters.models import Matter
from chengxin.organisations import service as orgs
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.organisations.schemas import OrganisationIn
from chengxin.persons.models import Person
from chengxin.records.models import Record
from chengxin.watch import repository as watch_repo
from chengxin.watch.models import Subscription
from helpers import COURT, HR, check, cid, court_case, file_of, penalty, submit

OLD = b"h" * 32  # the test suite's hash secret (tests/conftest.py)
NEW = b"N" * 32
USCC = "91350100M000100Y43"


def rotated(keys: Keys) -> Keys:
    return Keys(NEW, keys.encryption_key, keys.key_id, hash_version=2, previous_hash_secret=OLD)


def seed(client, session, keys) -> dict[str, str]:
    """Records, a court listing, checks, an organisation with a responsible person, a subscription."""
    assert submit(client, [penalty(1), penalty(2)]).status_code == 201
    assert submit(client, [court_case(3)], headers=COURT).status_code == 201
    assert check(client, cid(3), "civil_service_recruitment").json()["decision"] == "block"
    assert file_of(client, cid(1)).status_code == 200
    orgs.register(session, keys, "market_regulation", USCC, OrganisationIn(
        name="某某食品有限公司", persons=[{"role": "legal_representative", "id_number": cid(2), "name": "李四"}]))
    old = {n: keys.subject_key("citizen_id", cid(n)) for n in (1, 2, 3)}
    watch_repo.subscribe(session, [{"subject_key": old[1], "department_code": "human_resources", "label": "证 1",
                                    "created_at": utcnow()}])
    session.commit()
    return {str(n): k for n, k in old.items()}


def log_rows(session) -> list[tuple]:
    return [tuple(r) for r in session.execute(select(AccessEntry.__table__).order_by(AccessEntry.seq))]


def test_rekey_moves_every_table_and_keeps_the_access_log(client, app, session, factory, keys):
    old = seed(client, session, keys)
    log_before = log_rows(session)
    assert {r.subject_key for r in session.scalars(select(AccessEntry))} >= {old["1"], old["3"]}
    new_keys = rotated(keys)
    new = {n: new_keys.subject_key("citizen_id", cid(int(n))) for n in old}

    # While re-keying, lookups find persons still under the old key, and new persons start new.
    assert service.resolve_one(session, new_keys, "citizen_id", cid(1)) == old["1"]
    assert service.resolve_one(session, new_keys, "citizen_id", cid(99)) == new_keys.subject_key("citizen_id", cid(99))

    result = service.rekey(factory, new_keys, batch=2)
    assert result.persons == 3 and result.organisations >= 1
    session.expire_all()

    assert set(session.scalars(select(Person.person_key))) >= set(new.values())
    assert not set(session.scalars(select(Person.person_key))) & set(old.values())
    for n, key in new.items():
        person = session.get(Person, key)
        assert new_keys.decrypt(person.id_cipher, key.encode()) == cid(int(n))  # bound to the new key
    record_keys = set(session.scalars(select(Record.subject_key).where(Record.subject_kind == "person")))
    assert record_keys >= {new["1"], new["2"], new["3"]} and not record_keys & set(old.values())
    assert set(session.scalars(select(Matter.subject_key))) >= {new["3"]}
    assert set(session.scalars(select(Check.subject_key))) >= {new["3"]}
    assert session.scalars(select(OrganisationRole.person_key)).all() == [new["2"]]
    assert session.scalars(select(Subscription.subject_key)).all() == [new["1"]]
    org = session.get(Organisation, USCC)
    assert org.subject_key == new_keys.subject_key("uscc", USCC)

    # The access log is not rewritten; each person's history is found through the aliases.
    assert log_rows(session) == log_before
    for n in ("1", "3"):
        history = service.history_keys(session, new[n])
        assert history == [new[n], old[n]]
        assert session.scalars(select(AccessEntry).where(AccessEntry.subject_key.in_(history))).first()

    # Lookups by identifier go to the new key; the credit file and checks work as before.
    assert service.resolve_one(session, new_keys, "citizen_id", cid(1)) == new["1"]
    app.state.keys = new_keys
    assert file_of(client, cid(1)).status_code == 200
    assert check(client, cid(3), "civil_service_recruitment", HR).json()["decision"] == "block"
    assert service.rekey_remaining(session, new_keys) == {"persons": 0, "organisations": 0, "strays": 0}
    # Running again changes nothing.
    again = service.rekey(factory, new_keys, batch=2)
    assert (again.persons, again.organisations, sum(again.rows.values())) == (0, 0, 0)


def test_rows_written_under_an_old_key_meanwhile_are_swept(session, factory, keys, client):
    old = seed(client, session, keys)
    new_keys = rotated(keys)
    service.rekey(factory, new_keys)
    # A process that looked the person up just before the move writes under the old key.
    row = {c.name: getattr(r, c.name) for r in [session.scalars(select(Record)).first()]
           for c in Record.__table__.c}
    session.execute(insert(Record), [{**row, "id": "01STRAYRECORD0000000000001", "subject_key": old["1"],
                                      "source_record_id": "STRAY-1"}])
    session.commit()
    assert service.rekey_remaining(session, new_keys)["strays"] == 1
    assert service.sweep(factory, 2) == 1
    session.expire_all()
    moved = session.scalars(select(Record).where(Record.id == "01STRAYRECORD0000000000001")).one()
    assert moved.subject_key == new_keys.subject_key("citizen_id", cid(1))


def test_a_second_rotation_keeps_the_alias_chain_flat(session, factory, keys, client):
    old = seed(client, session, keys)
    v2 = rotated(keys)
    service.rekey(factory, v2)
    v3 = Keys(b"3" * 32, keys.encryption_key, keys.key_id, hash_version=3, previous_hash_secret=NEW)
    service.rekey(factory, v3)
    k3 = v3.subject_key("citizen_id", cid(1))
    history = service.history_keys(session, k3)
    assert history[0] == k3 and set(history[1:]) == {old["1"], v2.subject_key("citizen_id", cid(1))}
    aliases = session.scalars(select(SubjectKeyAlias).where(SubjectKeyAlias.old_key == old["1"])).one()
    assert aliases.new_key == k3 and aliases.hash_version == 3


def test_a_person_created_under_the_new_key_meanwhile_is_merged(session, factory, keys, client):
    old = seed(client, session, keys)
    new_keys = rotated(keys)
    # A submission during the re-key made a new-key person for someone still under the old key
    # (the race the resolver narrows but cannot close): the re-key joins the two.
    repo.insert_persons(session, [{**{c.name: getattr(session.get(Person, old["1"]), c.name)
                                      for c in Person.__table__.c},
                                   "person_key": new_keys.subject_key("citizen_id", cid(1)),
                                   "id_cipher": new_keys.encrypt(cid(1), new_keys.subject_key(
                                       "citizen_id", cid(1)).encode())}])
    session.commit()
    service.rekey(factory, new_keys)
    session.expire_all()
    k = new_keys.subject_key("citizen_id", cid(1))
    assert session.get(Person, old["1"]) is None and session.get(Person, k) is not None
    assert session.scalars(select(Record.subject_key).where(Record.subject_key == k)).first() == k


def test_servers_keep_working_while_the_rekey_runs(client, app, session, factory, keys):
    """With the new secret loaded but nobody moved yet, every lookup by identifier still finds
    its person, and new submissions join the person where their data is."""
    old = seed(client, session, keys)
    new_keys = rotated(keys)
    app.state.keys = new_keys
    assert file_of(client, cid(1)).status_code == 200
    assert check(client, cid(3), "civil_service_recruitment", HR).json()["decision"] == "block"
    res = client.post("/api/v1/checks/batch", headers=HR, json={
        "scenario": "civil_service_recruitment", "department": "human_resources", "purpose": "资格审查",
        "identifiers": [cid(3), cid(60)]})
    assert res.status_code == 200, res.text
    assert '"block"' in res.text.splitlines()[0]
    # A new record for a person still under the old key goes there; a new person starts new.
    assert submit(client, [penalty(1, source_record_id="SCJG-2026-MID-1"), penalty(50)]).status_code == 201
    session.expire_all()
    assert session.scalars(select(Record.subject_key)
                           .where(Record.source_record_id == "SCJG-2026-MID-1")).one() == old["1"]
    k50 = new_keys.subject_key("citizen_id", cid(50))
    assert session.get(Person, k50) is not None
    res = client.post("/api/v1/watch/subscriptions", headers=HR, json={"persons": [{"id_number": cid(2)}]})
    assert res.json()["results"][0]["person_key"] == old["2"]

    service.rekey(factory, new_keys)
    session.expire_all()
    new1 = new_keys.subject_key("citizen_id", cid(1))
    assert set(session.scalars(select(Record.subject_key).where(Record.source_record_id.like("SCJG-2026-%"))
                               .where(Record.subject_key.in_([old["1"], new1])))) == {new1}
    assert file_of(client, cid(1)).status_code == 200
    assert check(client, cid(3), "civil_service_recruitment", HR).json()["decision"] == "block"


def test_authorisations_keep_their_signed_key_and_still_work_after_a_rekey(client, session, factory, keys, catalog):
    """A grant's receipt is signed over the grantor's key of the day: the row is not rewritten,
    and the person and the grantee reach it through the alias."""
    from datetime import timedelta

    from chengxin.authorisations import rules as authz_rules
    from chengxin.authorisations import schemas as authz_schemas
    from chengxin.authorisations import service as authz
    from chengxin.callers import Caller
    from chengxin.publicity.rules import default_tiers
    from chengxin.signing import PublicKeys, Signer

    signer = Signer.from_seed(bytes(range(32)))
    old = seed(client, session, keys)

    def person(key: str) -> Caller:
        return Caller.of(frozenset({"person"}), person_key=key, account_id="P" + "0" * 25)

    bank = Caller.of(frozenset({"third_party"}), org_uscc="91110000600037341L", account_id="B" + "0" * 25)
    body = authz_schemas.GrantIn(grantee_uscc="91110000600037341L", purpose_code="loan", purpose="个人住房贷款审批",
                                 scope=["XZCF"], valid_until=utcnow() + timedelta(days=30), use_mode="repeated")
    row = authz.grant(session, person(old["1"]), body, catalog=catalog, signer=signer, max_days=365)
    session.commit()

    new_keys = rotated(keys)
    service.rekey(factory, new_keys)
    session.expire_all()
    new1 = new_keys.subject_key("citizen_id", cid(1))
    assert [g.id for g in authz.own(session, person(new1))] == [row.id]
    assert authz.get_own(session, person(new1), row.id).grantor_key == old["1"]  # as signed
    doc = authz.to_out(authz.get_own(session, person(new1), row.id), catalog).receipt.model_dump()
    assert authz_rules.verify_receipt(doc, PublicKeys.from_json(signer.published())).valid
    report = authz.query(session, bank, row.id, authz_schemas.QueryIn(purpose_code="loan", purpose="个人住房贷款审批"),
                         catalog=catalog, keys=new_keys, tiers=default_tiers())
    assert report.found and report.file is not None
    last = session.scalars(select(AccessEntry).order_by(AccessEntry.seq.desc())).first()
    assert last.subject_key == new1


def test_reports_still_verify_and_stay_the_persons_after_a_rekey(client, session, factory, keys, settings):
    """A report names its person by the register's key, which moves with the re-key like the matters
    it stamped: verification still says valid, and the person still sees it."""
    from helpers import as_person

    seed(client, session, keys)
    person = as_person(session, settings, keys, cid(1))
    session.commit()
    res = client.post("/api/v1/me/reports", json={"variant": "self"}, headers=person)
    assert res.status_code == 200, res.text
    query = {"number": res.headers["X-Report-Number"], "code": res.headers["X-Report-Check-Code"]}
    assert client.get("/api/v1/reports/verify", params=query).json()["status"] == "valid"
    new_keys = rotated(keys)
    service.rekey(factory, new_keys)
    session.expire_all()
    assert client.get("/api/v1/reports/verify", params=query).json()["status"] == "valid"
    client.app.state.keys = new_keys
    mine = client.get("/api/v1/me/reports", headers=as_person(session, settings, new_keys, cid(1))).json()
    assert [(r["number"], r["status"]) for r in mine["items"]] == [(query["number"], "valid")]
