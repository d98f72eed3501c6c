"""Watch: a subscriber that is down while a person is listed gets the event once it is back."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

from chengxin.clock import utcnow
from chengxin.jobs import run_once
from chengxin.watch.service import deliver_due
from helpers import COURT, as_dept, cid, court_case, days_ago, submit

MR = as_dept("market_regulation")


class Receiver:
    """A real HTTP receiver on loopback that records what it is sent."""

    def __init__(self, port: int) -> None:
        self.got: list[tuple[dict, dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((json.loads(body), dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_down_subscriber_gets_each_event_exactly_once_when_back(client, factory, keys):
    port = free_port()
    hook = client.put("/api/v1/watch/webhook", headers=MR, json={"url": f"http://127.0.0.1:{port}/events"})
    assert hook.status_code == 200
    secret = hook.json()["secret"]
    sub = client.post("/api/v1/watch/subscriptions", headers=MR,
                      json={"persons": [{"id_number": cid(1), "label": "许可证 JY1"},
                                        {"id_number": "110105194912310020"}]}).json()
    assert sub["subscribed"] == 1 and sub["results"][1]["error_code"] == "ID_CHECKSUM"

    submit(client, [court_case(1)], headers=COURT)  # listed while the receiver is down
    now = utcnow()
    first = deliver_due(factory, keys, now=now)
    assert (first.delivered, first.retried) == (0, 1)

    receiver = Receiver(port)
    try:
        assert deliver_due(factory, keys, now=now + timedelta(seconds=5)).delivered == 0  # backing off
        back = deliver_due(factory, keys, now=now + timedelta(seconds=11))
        assert back.delivered == 1
        assert deliver_due(factory, keys, now=now + timedelta(hours=2)).delivered == 0
        (payload, headers, raw) = receiver.got[0]
        assert len(receiver.got) == 1
        assert payload["kind"] == "listed" and payload["list_type"] == "black"
        assert payload["subject_key"] == sub["results"][0]["person_key"]
        assert headers["X-Chengxin-Event-Id"] == payload["event_id"]
        stamp = headers["X-Chengxin-Timestamp"]
        expected = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        assert headers["X-Chengxin-Signature"] == f"t={stamp},v1={expected}"

        client.post("/api/v1/records/revocations", headers=COURT,
                    json={"source_record_id": "ZX-2026-000001", "reason": "撤销"})
        assert run_once(factory, keys).delivered == 1
        kinds = [(p["kind"], p["reason"]) for p, _, _ in receiver.got]
        assert kinds == [("listed", None), ("delisted", "revoked")]
        assert len({p["event_id"] for p, _, _ in receiver.got}) == 2
    finally:
        receiver.close()


def test_pull_feed_pages_with_a_cursor_and_ignores_others(client):
    client.post("/api/v1/watch/subscriptions", headers=MR, json={"persons": [{"id_number": cid(1)}]})
    submit(client, [court_case(1), court_case(2)], headers=COURT)
    feed = client.get("/api/v1/watch/events?after=0&limit=10", headers=MR).json()
    assert [e["kind"] for e in feed["events"]] == ["listed"]
    again = client.get(f"/api/v1/watch/events?after={feed['next_after']}", headers=MR).json()
    assert again["events"] == [] and again["next_after"] == feed["next_after"]
    other = client.get("/api/v1/watch/events", headers=as_dept("tax")).json()
    assert other["events"] == []


def test_term_end_is_announced_once_by_the_job(client, factory, keys):
    from datetime import date

    from chengxin.publicity.rules import add_months

    client.post("/api/v1/watch/subscriptions", headers=MR, json={"persons": [{"id_number": cid(1)}]})
    decided = date.fromisoformat(days_ago(700))
    last = add_months(decided, 24)  # the court list's two years (R5)
    submit(client, [court_case(1, decided=decided.isoformat())], headers=COURT)
    assert run_once(factory, keys, as_of=last).expiry_events == 0  # its last day: still listed
    assert run_once(factory, keys, as_of=last + timedelta(days=1)).expiry_events == 1
    assert run_once(factory, keys, as_of=last + timedelta(days=2)).expiry_events == 0
    events = client.get("/api/v1/watch/events", headers=MR).json()["events"]
    assert [(e["kind"], e["reason"]) for e in events] == [("listed", None), ("delisted", "term_ended")]


def test_a_listing_that_ended_before_it_arrived_is_not_announced(client, factory, keys):
    client.post("/api/v1/watch/subscriptions", headers=MR, json={"persons": [{"id_number": cid(1)}]})
    submit(client, [court_case(1, decided=days_ago(800))], headers=COURT)  # its two years are over
    assert run_once(factory, keys).expiry_events == 0
    assert client.get("/api/v1/watch/events", headers=MR).json()["events"] == []


def test_webhook_url_must_be_http(client):
    res = client.put("/api/v1/watch/webhook", headers=MR, json={"url": "file:///etc/passwd"})
    assert res.status_code == 422 and res.json()["code"] == "WEBHOOK_URL_INVALID"
