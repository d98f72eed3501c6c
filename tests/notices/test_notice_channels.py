"""The SMS, e-mail and upstream adapters against real local servers: an HTTP server on
127.0.0.1 and a minimal SMTP sink on a socket."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chengxin.callers import Caller
from chengxin.notices import rules, service
from chengxin.notices.channels import UPSTREAM_TYPE
from chengxin.notices.models import Notice
from chengxin.signing import canonical_json

PERSON = "d" * 32


class Http:
    """A local HTTP endpoint recording each POST and answering with the next status."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.statuses.pop(0) if outer.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/in"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def http() -> Iterator[Http]:
    server = Http()
    yield server
    server.server.shutdown()
    server.server.server_close()


class SmtpSink:
    """Just enough SMTP to take messages: EHLO, MAIL, RCPT, DATA, QUIT; `refuse_data` answers 451."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse_data = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as rfile:
                self._session(conn, rfile)

    def _session(self, conn: socket.socket, rfile) -> None:
        conn.sendall(b"220 sink ESMTP\r\n")
        sender, rcpts = "", []
        while line := rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250 sink\r\n")
            elif verb == b"MAIL":
                sender, rcpts = line.decode().split(":", 1)[1].strip(), []
                conn.sendall(b"250 ok\r\n")
            elif verb == b"RCPT":
                rcpts.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                conn.sendall(b"250 ok\r\n")
            elif verb == b"DATA":
                if self.refuse_data:
                    self.refuse_data -= 1
                    conn.sendall(b"451 try again later\r\n")
                    continue
                conn.sendall(b"354 go ahead\r\n")
                data = b""
                while (chunk := rfile.readline()) != b".\r\n":
                    data += chunk
                self.messages.append((sender, rcpts, data))
                conn.sendall(b"250 queued\r\n")
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    yield sink
    sink.sock.close()


def _enqueue(session, channel: str, n: int = 1) -> None:
    service.enqueue(session, person_key=PERSON, kind="objection_answered", key=f"OBJ-{n}", title="异议处理结果",
                    body="您的异议已核查，相关记录已更正。", channels=[channel])


def _row(session, channel: str) -> Notice:
    session.expire_all()
    return session.query(Notice).filter_by(subject_key=PERSON, channel=channel).one()


def test_sms_goes_to_the_gateway_with_the_decrypted_phone_and_the_idempotency_key(
        session, factory, keys, settings, http):
    service.set_contact(session, keys, Caller("person", person_key=PERSON), phone="138 0013 8000", email=None)
    _enqueue(session, "sms")
    session.commit()
    configured = settings.model_copy(update={"sms_gateway_url": http.url})
    http.statuses = [503]
    first = service.deliver_due(factory, keys, configured)
    assert (first.delivered, first.retried) == (0, 1)
    assert _row(session, "sms").last_error == "HTTP_503"
    session.execute(Notice.__table__.update().values(next_attempt_at=Notice.created_at))  # its retry time comes
    session.commit()
    assert service.deliver_due(factory, keys, configured).delivered == 1
    assert len(http.requests) == 2
    headers, body = http.requests[-1]
    doc = json.loads(body)
    assert headers["idempotency-key"] == doc["idempotency_key"] == "objection_answered:OBJ-1:sms"
    assert doc["to"] == "13800138000" and "异议已核查" in doc["text"]
    assert _row(session, "sms").status == "delivered"


def test_an_unreachable_gateway_is_retried(session, factory, keys, settings):
    service.set_contact(session, keys, Caller("person", person_key=PERSON), phone="13800138000", email=None)
    _enqueue(session, "sms")
    session.commit()
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    configured = settings.model_copy(update={"sms_gateway_url": f"http://127.0.0.1:{port}/sms"})
    assert service.deliver_due(factory, keys, configured).retried == 1
    assert _row(session, "sms").last_error == "CONNECT_FAILED"


def test_email_goes_through_smtp_with_a_message_id_from_the_idempotency_key(session, factory, keys, settings, smtp):
    service.set_contact(session, keys, Caller("person", person_key=PERSON), phone=None, email="ZhangSan@Example.CN")
    _enqueue(session, "email")
    session.commit()
    configured = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port,
                                             "smtp_from": "notice@credit.example.gov.cn"})
    smtp.refuse_data = 1
    assert service.deliver_due(factory, keys, configured).retried == 1
    assert _row(session, "email").last_error == "SMTP_451"
    session.execute(Notice.__table__.update().values(next_attempt_at=Notice.created_at))
    session.commit()
    assert service.deliver_due(factory, keys, configured).delivered == 1
    ((sender, rcpts, data),) = smtp.messages
    assert sender == "<notice@credit.example.gov.cn>" and rcpts == ["ZhangSan@example.cn"]
    msg = message_from_bytes(data, policy=default)
    assert msg["Subject"] == "异议处理结果"
    assert msg["Message-ID"] == rules.message_id("objection_answered:OBJ-1:email", "notice@credit.example.gov.cn")
    assert msg["Message-ID"].endswith("@credit.example.gov.cn>") and "OBJ" not in msg["Message-ID"]
    assert "相关记录已更正" in msg.get_content()


def test_no_phone_or_e_mail_means_no_address(session, factory, keys, settings, http, smtp):
    _enqueue(session, "sms")
    _enqueue(session, "email")
    session.commit()
    configured = settings.model_copy(update={"sms_gateway_url": http.url, "smtp_host": "127.0.0.1",
                                             "smtp_port": smtp.port})
    assert service.deliver_due(factory, keys, configured).undeliverable == 2
    assert {_row(session, c).status for c in ("sms", "email")} == {"no_address"}
    assert http.requests == [] and smtp.messages == []


def test_upstream_platforms_get_a_signed_document(session, factory, keys, settings, signer, http):
    configured = settings.model_copy(update={"upstream_url": http.url})
    service.tell_upstream(session, subject_key=PERSON, kind="repair_done", key="REP-9",
                          payload={"record_id": "01JD3X5Q7N9R2T4V6W8Y0Z1A2B", "action": "publicity_stopped"},
                          settings=configured)
    session.commit()
    assert service.deliver_due(factory, keys, configured, signer=signer).delivered == 1
    ((headers, body),) = http.requests
    assert headers["idempotency-key"] == "repair_done:REP-9:upstream"
    assert headers["x-chengxin-key-id"] == signer.key_id
    signature = base64.b64decode(headers["x-chengxin-signature"])
    assert signer.public_keys().verify(signer.key_id, body, signature)
    doc = json.loads(body)
    assert body == canonical_json(doc)
    assert doc["type"] == UPSTREAM_TYPE and doc["subject_key"] == PERSON
    assert doc["payload"] == {"record_id": "01JD3X5Q7N9R2T4V6W8Y0Z1A2B", "action": "publicity_stopped"}
    assert not signer.public_keys().verify(signer.key_id, body.replace(b"REP-9", b"REP-8"), signature)
