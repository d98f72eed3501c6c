"""Applying neighbours' batches here (this test database is the city, 340400): once per number, whole or
not at all, forwarded up without echo, ends reaching every holder, the upper version prevailing; and
the city's own feed written to a file-mode neighbour, read back with that neighbour's key."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from chengxin.errors import DomainError
from chengxin.exchange import feed, rules, service
from chengxin.exchange.models import AppliedChange, OutgoingChange, Refusal
from chengxin.matters.models import Matter
from chengxin.notices.models import Notice
from chengxin.records.models import Record
from chengxin.signing import Signer
from helpers import OPERATOR, check, cid, court_case, file_of, penalty, submit

COUNTY, CITY, PROVINCE = "341021", "340400", "340000"
COUNTY_KEY, PROVINCE_KEY = Signer.from_seed(b"c" * 32), Signer.from_seed(b"p" * 32)
PBOC_KEY, AGENCY_KEY = Signer.from_seed(b"b" * 32), Signer.from_seed(b"a" * 32)


@pytest.fixture
def city(settings, tmp_path: Path, app) -> Iterator[rules.Node]:
    """The test platform as the city: the county below (service mode), the province above (file mode)."""
    doc = {"neighbours": [
        {"code": COUNTY, "name": "凤台县公共信用信息平台", "direction": "down", "mode": "service",
         "url": "https://county.example", "public_key": base64.b64encode(COUNTY_KEY.public_key()).decode()},
        {"code": PROVINCE, "name": "安徽省公共信用信息平台", "direction": "up", "mode": "file",
         "outbox": "to-province", "inbox": "from-province",
         "public_key": base64.b64encode(PROVINCE_KEY.public_key()).decode()},
        {"code": "PBOC", "name": "金融信用信息基础数据库", "role": "financial_database", "direction": "up",
         "mode": "file", "outbox": "to-pboc", "inbox": "from-pboc", "agreement": "淮南人行信用共享协议〔2026〕1号",
         "public_key": base64.b64encode(PBOC_KEY.public_key()).decode()},
        {"code": "AGY01", "name": "示范信用服务有限公司", "role": "credit_agency", "direction": "down",
         "mode": "file", "outbox": "to-agency", "inbox": "from-agency",
         "public_key": base64.b64encode(AGENCY_KEY.public_key()).decode()}]}
    (tmp_path / "neighbours.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    city_settings = settings.model_copy(update={"node_code": CITY, "node_name": "淮南市公共信用信息平台"})
    feed.install(city_settings)
    app.state.settings = city_settings
    yield feed.current_node(city_settings)
    feed.install(None)


def _origin(node: str, dept: str, ref: str, **extra) -> dict:
    names = {COUNTY: "凤台县公共信用信息平台", PROVINCE: "安徽省公共信用信息平台", CITY: "淮南市公共信用信息平台",
             "AGY01": "示范信用服务有限公司"}
    return {"node": node, "node_name": names[node], "department": dept, "department_name": "市场监督管理局",
            "ref": ref, **extra}


def record_change(seq: int, row: dict, node: str = COUNTY, dept: str = "market_regulation") -> dict:
    return {"seq": seq, "kind": "record", "day": "2026-11-18", "category": "XZCF",
            "origin": _origin(node, dept, row["source_record_id"]),
            "subject": {"kind": "person", "id_type": "citizen_id", "id_number": row["id_number"], "name": row["name"]},
            "record": {"item_code": row["item_code"], "decision_date": row["decision_date"], "severity": None,
                       "severity_reason": None, "fields": row["fields"], "version": 1}}


def end_change(seq: int, ref: str, node: str, reason: str = "repaired", dept: str = "market_regulation",
               decided_by: str = PROVINCE) -> dict:
    return {"seq": seq, "kind": "end", "day": "2026-11-18", "category": "XZCF",
            "origin": _origin(node, dept, ref, record=True), "reason": reason, "note": "当事人已履行全部义务",
            "ended_on": "2026-11-18", "decided_by": {"node": decided_by, "name": "安徽省公共信用信息平台"}}


def batch(sender: Signer, code: str, changes: list[dict], to: str = CITY) -> bytes:
    return rules.build_batch(sender=(code, "x", sender.key_id), receiver=to, changes=changes,
                             recipient_key=Signer.from_seed(b"s" * 32).public_key(), sign=sender.sign,
                             created_at=datetime(2026, 11, 18, 2, tzinfo=UTC))


def receive(factory, keys, catalog, signer, node, data: bytes) -> dict:
    return service.receive(factory, keys, catalog, signer, node, data, "test")


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_county_batch_is_applied_once_shown_as_the_countys_and_forwarded_up_not_back(
        city, factory, session, keys, catalog, signer, client):
    rows = [penalty(1), penalty(2, name="李四")]
    data = batch(COUNTY_KEY, COUNTY, [record_change(1, rows[0]), record_change(2, rows[1])])
    receipt = receive(factory, keys, catalog, signer, city, data)
    assert rules.verify_signed(receipt, rules.RECEIPT_TYPE, signer.public_key())["applied_through"] == 2
    assert receipt["rejected"] == []
    dept = f"{COUNTY}.market_regulation"
    assert _count(session, Record, Record.department_code == dept) == 2
    # The file says whose it is: the county platform's department.
    got = file_of(client, cid(1))
    assert got.status_code == 200, got.text
    assert "凤台县公共信用信息平台·市场监督管理局" in got.text
    # Owed to the province (up), never back to the county it came from.
    owed = session.scalars(select(OutgoingChange)).all()  # general penalties: nothing for the financial database
    assert sorted((o.neighbour, o.kind) for o in owed) == [(PROVINCE, "record"), (PROVINCE, "record")]
    # The same batch again: nothing new anywhere.
    again = receive(factory, keys, catalog, signer, city, data)
    assert again["applied_through"] == 2
    assert _count(session, Record, Record.department_code == dept) == 2
    assert _count(session, OutgoingChange) == 2 and _count(session, AppliedChange) == 2
    # A batch past a gap is refused whole, noted, nothing applied; the receipt says where to go on.
    later = batch(COUNTY_KEY, COUNTY, [record_change(4, penalty(4)), record_change(5, penalty(5))])
    with pytest.raises(DomainError) as gap:
        receive(factory, keys, catalog, signer, city, later)
    assert gap.value.code == "EXCHANGE_BATCH_OUT_OF_ORDER" and gap.value.extra["expected"] == 3
    assert gap.value.extra["receipt"]["applied_through"] == 2
    assert _count(session, Record, Record.department_code == dept) == 2
    refusal = session.scalars(select(Refusal)).one()
    assert (refusal.code, refusal.neighbour, refusal.first_seq, refusal.last_seq) == (
        "EXCHANGE_BATCH_OUT_OF_ORDER", COUNTY, 4, 5)
    # Once the gap is filled the rest applies, the overlap once.
    receive(factory, keys, catalog, signer, city, batch(COUNTY_KEY, COUNTY, [
        record_change(2, rows[1]), record_change(3, penalty(3))]))
    assert receive(factory, keys, catalog, signer, city, later)["applied_through"] == 5
    assert _count(session, Record, Record.department_code == dept) == 5


def test_a_repair_decided_above_ends_the_matter_here_and_reaches_the_county_not_back_up(
        city, factory, session, keys, catalog, signer, client):
    row = court_case(7)
    receive(factory, keys, catalog, signer, city, batch(COUNTY_KEY, COUNTY, [
        record_change(1, {**row, "id_type": "citizen_id"}, dept="court")]))
    hit = check(client, cid(7), "civil_service_recruitment")
    assert hit.status_code == 200 and hit.json()["hits"], hit.text
    # The hit names the county platform's department, as the file does.
    assert {h["source"]["department_name"] for h in hit.json()["hits"]} == {"凤台县公共信用信息平台·市场监督管理局"}
    receive(factory, keys, catalog, signer, city, batch(PROVINCE_KEY, PROVINCE, [
        end_change(1, row["source_record_id"], COUNTY, dept="court")]))
    m = session.scalars(select(Matter).where(Matter.department_code == f"{COUNTY}.court")).one()
    assert (m.end_reason, m.ended_on.isoformat()) == ("repaired", "2026-11-18")
    assert "安徽省公共信用信息平台决定信用修复" in (m.end_note or "")
    assert not check(client, cid(7), "civil_service_recruitment").json()["hits"]
    owed = sorted((o.neighbour, o.kind) for o in session.scalars(select(OutgoingChange).where(
        OutgoingChange.kind == "end")))
    # To the county it came from and the financial database that got the listing; the province told us.
    assert owed == [(COUNTY, "end"), ("PBOC", "end")]
    # The province's word again: applied once, nothing more owed.
    receive(factory, keys, catalog, signer, city, batch(PROVINCE_KEY, PROVINCE, [
        end_change(1, row["source_record_id"], COUNTY, dept="court")]))
    assert _count(session, OutgoingChange, OutgoingChange.kind == "end") == 2


def test_the_upper_version_prevails_over_the_citys_own_matter_and_the_person_is_told(
        city, factory, session, keys, catalog, signer, client):
    assert submit(client, [penalty(9)]).status_code == 201
    receive(factory, keys, catalog, signer, city, batch(PROVINCE_KEY, PROVINCE, [
        end_change(1, penalty(9)["source_record_id"], CITY, reason="revoked")]))
    m = session.scalars(select(Matter).where(Matter.department_code == "market_regulation")).one()
    assert m.end_reason == "revoked"
    told = session.scalars(select(Notice).where(Notice.kind == "matter_revoked")).all()
    assert told and "安徽省公共信用信息平台" in told[0].body
    got = file_of(client, cid(9)).json()
    states = [x["state"] for c in got["categories"] for x in c["matters"]]
    assert states == ["revoked"]


def test_an_end_for_an_unknown_matter_is_noted_refused_and_the_feed_goes_on(
        city, factory, session, keys, catalog, signer):
    receipt = receive(factory, keys, catalog, signer, city, batch(PROVINCE_KEY, PROVINCE, [
        end_change(1, "NO-SUCH-RECORD", COUNTY)]))
    assert receipt["applied_through"] == 1 and receipt["rejected"] == [[1, "EXCHANGE_MATTER_UNKNOWN"]]
    noted = session.get(AppliedChange, (PROVINCE, 1))
    assert (noted.status, noted.code) == ("rejected", "EXCHANGE_MATTER_UNKNOWN")


def test_the_citys_feed_to_a_file_mode_neighbour_is_sealed_to_it_and_confirmed_by_its_receipt(
        city, factory, session, keys, catalog, signer, client, tmp_path):
    assert submit(client, [penalty(11), penalty(12)]).status_code == 201
    province = city.neighbour(PROVINCE)
    done = service.send_round(factory, keys, catalog, signer, city, province, batch=1)
    assert (done.numbered, done.files_written, done.sent) == (2, 2, 2)
    files = sorted((tmp_path / "to-province").glob("*.batch.json"))
    assert [f.name for f in files] == [rules.batch_file_name(CITY, PROVINCE, 1, 1),
                                       rules.batch_file_name(CITY, PROVINCE, 2, 2)]
    assert cid(11).encode() not in files[0].read_bytes()
    seen = rules.open_batch(files[0].read_bytes(), own_code=PROVINCE, own_seed=PROVINCE_KEY.seed(),
                            neighbours={CITY: rules.Neighbour(CITY, "淮南", "down", "service", signer.public_key(),
                                                              url="https://city.example")})
    change = seen.changes[0]
    assert change["subject"]["id_number"] == cid(11)
    assert change["origin"] == {"node": CITY, "node_name": "淮南市公共信用信息平台", "department": "market_regulation",
                                "department_name": "市市场监督管理局", "ref": "SCJG-2026-000011"}
    # Sending again writes nothing new: the files are out, waiting for receipts.
    assert service.send_round(factory, keys, catalog, signer, city, province, batch=1).files_written == 0
    receipt = rules.build_receipt(receiver=PROVINCE, sender=CITY, applied_through=2, batch=(2, 2), rejected=[],
                                  at=datetime(2026, 11, 18, 3, tzinfo=UTC), key_id=PROVINCE_KEY.key_id,
                                  sign=PROVINCE_KEY.sign)
    inbox = tmp_path / "from-province"
    inbox.mkdir()
    (inbox / rules.receipt_file_name(CITY, PROVINCE, 2)).write_text(json.dumps(receipt))
    assert service.send_round(factory, keys, catalog, signer, city, province, batch=1).files_read == 1
    assert _count(session, OutgoingChange, OutgoingChange.acked_at.is_(None)) == 0
    statuses = client.get("/api/v1/exchange/neighbours", headers=OPERATOR).json()["neighbours"]
    up = next(n for n in statuses if n["code"] == PROVINCE)
    assert (up["last_seq"], up["acked_through"], up["backlog"]) == (2, 2, 0)
    # A forged receipt is refused and noted; it confirms nothing.
    forged = {**receipt, "applied_through": 9}
    (inbox / rules.receipt_file_name(CITY, PROVINCE, 9)).write_text(json.dumps(forged))
    service.send_round(factory, keys, catalog, signer, city, province, batch=1)
    assert (inbox / "refused" / rules.receipt_file_name(CITY, PROVINCE, 9)).exists()
    assert session.scalars(select(Refusal)).one().code == "EXCHANGE_SIGNATURE_INVALID"


def test_serious_dishonesty_goes_to_the_financial_database_under_its_agreement_and_nothing_else(
        city, factory, session, keys, catalog, signer, client, tmp_path):
    assert submit(client, [penalty(31)]).status_code == 201
    assert submit(client, [court_case(32)], headers=_court()).status_code == 201
    owed = sorted((o.neighbour, o.kind) for o in session.scalars(select(OutgoingChange)))
    # Both up to the province; the court's list entry also down to the county (lists are kept above).
    assert owed == [(PROVINCE, "record"), (PROVINCE, "record"), (COUNTY, "record"), ("PBOC", "record")]
    pboc = city.neighbour("PBOC")
    assert service.send_round(factory, keys, catalog, signer, city, pboc, batch=10).files_written == 1
    (written,) = (tmp_path / "to-pboc").glob("*.batch.json")
    manifest = json.loads(written.read_bytes())["manifest"]
    assert manifest["agreement"] == "淮南人行信用共享协议〔2026〕1号" and manifest["counts"] == {"record": 1}


def _court() -> dict:
    from helpers import COURT

    return COURT


def test_a_credit_agencys_records_are_kept_as_reference_only_never_a_measure(
        city, factory, session, keys, catalog, signer, client):
    row = court_case(41)  # even a black-list item from such a source is not a listing here (R15)
    receipt = receive(factory, keys, catalog, signer, city, batch(AGENCY_KEY, "AGY01", [
        record_change(1, {**row, "id_type": "citizen_id"}, node="AGY01", dept="agency")]))
    assert receipt["rejected"] == []
    assert _count(session, Matter) == 0 and _count(session, Record) == 0
    assert not check(client, cid(41), "civil_service_recruitment").json()["hits"]
    got = file_of(client, cid(41)).json()
    assert got["summary"]["total"] == 0 and got["categories"] == []
    (ref,) = got["references"]
    assert (ref["source_name"], ref["item_name"], ref["state"]) == (
        "示范信用服务有限公司", "失信被执行人信息", "in_effect")
    assert "不作为本平台联合奖惩措施的依据" in ref["note"]
    receive(factory, keys, catalog, signer, city, batch(AGENCY_KEY, "AGY01", [
        end_change(2, row["source_record_id"], "AGY01", reason="revoked", dept="agency")]))
    assert file_of(client, cid(41)).json()["references"][0]["state"] == "revoked"


def test_a_credit_agencys_push_never_hits_in_any_scenario(city, factory, session, keys, catalog, signer, client):
    from chengxin.sanctions.measures import default_measures

    rows = [court_case(42), {**penalty(42), "item_code": "XZCF-01"}]  # black list and a penalty alike (R15)
    receipt = receive(factory, keys, catalog, signer, city, batch(AGENCY_KEY, "AGY01", [
        record_change(n + 1, {**row, "id_type": "citizen_id"}, node="AGY01", dept="agency")
        for n, row in enumerate(rows)]))
    assert receipt["rejected"] == [] and _count(session, Matter) == 0
    assert len(file_of(client, cid(42)).json()["references"]) == 2
    for scenario in default_measures().scenarios:
        answer = check(client, cid(42), scenario).json()
        assert answer["hits"] == [] and answer["decision"] == "clear", scenario


def test_refused_batches_from_one_address_are_limited_and_then_cost_nothing(city, client, session):
    stranger = Signer.from_seed(b"x" * 32)
    forged = batch(stranger, COUNTY, [record_change(1, penalty(51))])  # the county's code, not its key
    codes = [client.post("/api/v1/exchange/batches", content=forged,
                         headers={"content-type": "application/json"}).json()["code"] for _ in range(32)]
    assert codes[:30] == ["EXCHANGE_SIGNATURE_INVALID"] * 30
    assert codes[30:] == ["RATE_LIMITED_EXCHANGE"] * 2
    assert _count(session, Refusal) == 30 and _count(session, Record) == 0
    garbage = client.post("/api/v1/exchange/batches", content=b"{}", headers={"content-type": "application/json"})
    assert garbage.status_code == 429
