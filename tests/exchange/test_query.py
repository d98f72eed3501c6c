"""Cross-region query (互查): the city (this test's app) asks a real county platform over HTTP; the answer
is signed and merged with its origin; both access logs hold the read."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.exchange import feed, rules
from chengxin.signing import Signer, new_seed
from helpers import HR, cid, penalty

COUNTY, CITY = "341021", "340400"


def _write(path: Path, entry: dict) -> None:
    path.write_text(yaml.safe_dump({"neighbours": [entry]}, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def county_and_city(platforms, settings, tmp_path: Path, app, signer) -> Iterator[tuple]:
    county = platforms("county", COUNTY, "凤台县公共信用信息平台")
    _write(county.data_dir / "neighbours.yaml", {
        "code": CITY, "name": "淮南市公共信用信息平台", "direction": "up", "mode": "service",
        "url": "http://127.0.0.1:9", "public_key": base64.b64encode(signer.public_key()).decode()})
    _write(tmp_path / "neighbours.yaml", {
        "code": COUNTY, "name": "凤台县公共信用信息平台", "direction": "down", "mode": "service", "url": county.url,
        "public_key": county.public_key(), "answers": True})
    city_settings = settings.model_copy(update={"node_code": CITY, "node_name": "淮南市公共信用信息平台"})
    feed.install(city_settings)
    app.state.settings = city_settings
    yield county, feed.current_node(city_settings)
    feed.install(None)


def test_a_cross_region_query_is_answered_signed_merged_with_its_origin_and_logged_at_both_ends(
        county_and_city, client, session):
    county, _ = county_and_city
    county.submit("market_regulation", [penalty(21, name="王五")])
    res = client.post("/api/v1/exchange/queries", headers=HR, json={
        "id_number": cid(21), "purpose": "公务员录用考察", "business_ref": "HR-2026-0021"})
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["local_found"] is False
    assert out["answers"] == [{"node": COUNTY, "name": "凤台县公共信用信息平台", "status": "answered",
                               "status_label": "已答复（签名有效）", "found": True,
                               "answered_at": out["answers"][0]["answered_at"]}]
    (matter,) = out["matters"]
    assert (matter["origin_node"], matter["origin_name"], matter["answered_by"]) == (
        COUNTY, "凤台县公共信用信息平台", COUNTY)
    assert (matter["item_code"], matter["state"], matter["department_name"]) == ("XZCF-01", "in_effect",
                                                                                  "市市场监督管理局")
    # Here: the department's query, with purpose and reference.
    here = session.scalars(select(AccessEntry).where(AccessEntry.action == "exchange_query")).one()
    assert (here.actor_department, here.purpose, here.business_ref, here.ref_id) == (
        "human_resources", "公务员录用考察", "HR-2026-0021", COUNTY)
    # There: the city's department as the reader, in the county's own log (the person sees it there).
    with county.client() as http:
        log = http.get("/api/v1/audit/log", params={"action": "exchange_query"}, headers=county.headers("auditor"))
    assert log.status_code == 200, log.text
    (entry,) = log.json()["items"]
    assert entry["purpose"] == "公务员录用考察" and entry["business_ref"] == "HR-2026-0021"
    assert "淮南市公共信用信息平台" in str(entry)
    # A person the county does not know: answered "not found", logged as such, nothing merged.
    res = client.post("/api/v1/exchange/queries", headers=HR, json={"id_number": cid(22), "purpose": "录用考察"})
    assert res.json()["answers"][0]["found"] is False and res.json()["matters"] == []


def test_a_query_not_signed_by_a_neighbour_is_refused_and_logs_nothing(county_and_city):
    county, _ = county_and_city
    stranger = Signer.from_seed(new_seed())
    body = {"type": rules.QUERY_TYPE, "sender": CITY, "receiver": COUNTY, "at": "2026-11-18T02:00:00+00:00",
            "nonce": "00", "caller": {"department": "human_resources"}, "purpose": "x", "sealed": ""}
    forged = rules.sign_document(body, stranger.sign)
    with county.client() as http:
        res = http.post("/api/v1/exchange/lookups", json=forged)
        assert res.status_code == 502 and res.json()["code"] == "EXCHANGE_SIGNATURE_INVALID"
        unknown = http.post("/api/v1/exchange/lookups", json={**forged, "sender": "110000"})
        assert unknown.status_code == 403 and unknown.json()["code"] == "EXCHANGE_SENDER_UNKNOWN"
        log = http.get("/api/v1/audit/log", params={"action": "exchange_query"}, headers=county.headers("auditor"))
    assert log.json()["items"] == []


def test_an_unreachable_neighbour_is_said_and_the_rest_still_answers(client, settings, tmp_path, app):
    _write(tmp_path / "neighbours.yaml", {
        "code": COUNTY, "name": "凤台县公共信用信息平台", "direction": "down", "mode": "service",
        "url": "http://127.0.0.1:9", "public_key": base64.b64encode(bytes(range(32))).decode(), "answers": True})
    feed.install(settings.model_copy(update={"node_code": CITY}))
    try:
        res = client.post("/api/v1/exchange/queries", headers=HR, json={"id_number": cid(23), "purpose": "录用考察"})
    finally:
        feed.install(None)
    assert res.status_code == 200, res.text
    assert [(a["status"], a["status_label"]) for a in res.json()["answers"]] == [("unreachable", "未能连接")]


def test_service_mode_to_a_real_county_then_its_refusal_is_kept_once_with_the_reason(
        county_and_city, client, session, factory, keys, catalog, signer):
    from chengxin.exchange import service
    from chengxin.exchange.models import Peer, Refusal
    from helpers import COURT, court_case, submit

    county, node = county_and_city
    assert submit(client, [court_case(24)], headers=COURT).status_code == 201  # a list entry: it goes down
    done = service.send_round(factory, keys, catalog, signer, node, node.neighbour(COUNTY), batch=100)
    assert (done.numbered, done.sent, done.acked_through, done.error) == (1, 1, 1, None)
    with county.client() as http:
        got = http.post("/api/v1/files/query", json={"id_number": cid(24)}, headers=county.headers("operator"))
    assert got.status_code == 200 and "淮南市公共信用信息平台·" in got.text
    # The county no longer trusts our key: every later batch is refused, and we keep that once.
    _write(county.data_dir / "neighbours.yaml", {
        "code": CITY, "name": "淮南市公共信用信息平台", "direction": "up", "mode": "service",
        "url": "http://127.0.0.1:9",
        "public_key": base64.b64encode(Signer.from_seed(new_seed()).public_key()).decode()})
    assert submit(client, [court_case(25)], headers=COURT).status_code == 201
    for _ in range(2):
        done = service.send_round(factory, keys, catalog, signer, node, node.neighbour(COUNTY), batch=100)
        assert done.error is not None and "EXCHANGE_SIGNATURE_INVALID" in done.error
    (refused,) = session.scalars(select(Refusal).where(Refusal.direction == "out")).all()
    assert (refused.code, refused.first_seq, refused.last_seq) == ("EXCHANGE_SIGNATURE_INVALID", 2, 2)
    session.expire_all()
    peer = session.get(Peer, COUNTY)
    assert (peer.acked_through, peer.last_error_code) == (1, "EXCHANGE_SIGNATURE_INVALID")
