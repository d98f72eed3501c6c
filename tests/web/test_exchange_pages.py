"""The exchange pages through TestClient, with neighbours configured and the exchange's own services
doing the work: /console/exchange (the node, each neighbour, refused batches, the resend form), the
matter's receivers on the repair review page, and the workbench's overdue ends."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from datetime import timedelta

import pytest
from web_data import person_headers

from chengxin.clock import utcnow
from chengxin.errors import DomainError
from chengxin.exchange import feed, rules, service
from chengxin.exchange.models import OutgoingChange
from chengxin.exchange.pages import lag_words
from chengxin.signing import Signer, new_seed
from helpers import DEPT, OPERATOR, PDF, as_role, free_port, own_record, penalty, submit, with_csrf

AUDITOR = as_role("auditor")
CITY, PROVINCE = "340400", "340000"
EVIDENCE = [("evidence", ("缴款凭证.pdf", PDF, "application/pdf"))]


def _post(client, path: str, headers: dict[str, str], data: dict, files=None):
    return client.post(path, headers=with_csrf(headers, client), data=data, files=files, follow_redirects=False)


class _Refuses(http.server.BaseHTTPRequestHandler):
    """A neighbour that refuses every batch, as a platform does whose key for us is wrong."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps({"code": "EXCHANGE_SIGNATURE_INVALID", "detail": "批次签名无效"}).encode()
        self.send_response(403)
        self.send_header("content-type", "application/problem+json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def province():
    server = http.server.HTTPServer(("127.0.0.1", free_port()), _Refuses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def neighbours(client, settings, province):
    """Two upward neighbours: the city in file mode (its receipts are signed with `city`) and the
    province in service mode (it refuses what it is sent). The file goes when the test ends, so
    no later test's submissions are owed to them."""
    city, prov = Signer.from_seed(new_seed()), Signer.from_seed(new_seed())
    path = settings.resolved_neighbours_file
    path.write_text(json.dumps({"neighbours": [
        {"code": CITY, "name": "淮南市公共信用信息平台", "direction": "up", "mode": "file",
         "outbox": f"out-{CITY}", "inbox": f"in-{CITY}", "public_key": base64.b64encode(city.public_key()).decode()},
        {"code": PROVINCE, "name": "安徽省公共信用信息平台", "direction": "up", "mode": "service", "url": province,
         "public_key": base64.b64encode(prov.public_key()).decode()},
    ]}, ensure_ascii=False), encoding="utf-8")
    node = feed.current_node(settings)
    yield node, city, prov
    path.unlink()


def _send(factory, keys, catalog, signer, node, code):
    return service.send_round(factory, keys, catalog, signer, node, node.neighbour(code), batch=100)


def _receipt(node, city: Signer, through: int) -> None:
    """The city's signed receipt for our batches, left in its inbox as the 网闸 delivers it."""
    n = node.neighbour(CITY)
    doc = rules.build_receipt(receiver=CITY, sender=node.code, applied_through=through, batch=(1, through),
                              rejected=[], at=utcnow(), key_id=city.key_id, sign=city.sign)
    n.inbox.mkdir(parents=True, exist_ok=True)
    (n.inbox / rules.receipt_file_name(node.code, CITY, through)).write_text(json.dumps(doc), encoding="utf-8")


def _row(html: str, name: str) -> str:
    """The table row that names `name`."""
    (row,) = [r for r in html.split("<tr>") if name in r]
    return row


def test_lag_reads_as_a_person_says_it():
    assert lag_words(None) == "无滞后"
    assert lag_words(42) == "滞后 42 秒"
    assert lag_words(180) == "滞后 3 分钟"
    assert lag_words(2 * 3600 + 5 * 60) == "滞后 2 小时 5 分钟"
    assert lag_words(3 * 86400) == "滞后 3 天"
    assert lag_words(86400 + 7200) == "滞后 1 天 2 小时"


def test_without_neighbours_the_page_says_where_the_file_is_and_gives_this_node_key(client, settings, signer):
    page = client.get("/console/exchange", headers=OPERATOR)
    assert page.status_code == 200
    assert "还没有配置相邻平台" in page.text and str(settings.resolved_neighbours_file) in page.text
    assert base64.b64encode(signer.public_key()).decode() in page.text and "示范市公共信用信息平台" in page.text
    assert "没有被拒收的批次" in page.text
    assert 'href="/console/exchange"' in client.get("/console", headers=OPERATOR).text  # menu and shortcut
    assert client.get("/console/exchange", headers=AUDITOR).status_code == 200
    assert client.get("/console/exchange", headers=DEPT).status_code == 403
    assert 'href="/console/exchange"' not in client.get("/console", headers=DEPT).text


def test_a_broken_neighbours_file_is_said_on_the_page(client, settings):
    path = settings.resolved_neighbours_file
    path.write_text("neighbours:\n  - code: 34\n", encoding="utf-8")
    try:
        page = client.get("/console/exchange", headers=OPERATOR)
    finally:
        path.unlink()
    assert page.status_code == 200 and "相邻平台配置文件有误，交换已停止" in page.text
    assert "行政区划代码应为 6 位数字" in page.text


def test_the_console_shows_each_neighbour_its_backlog_refusals_and_reconciliation(
        client, session, factory, keys, catalog, signer, clock, neighbours):
    node, city, prov = neighbours
    assert submit(client, [penalty(501), penalty(502)]).status_code == 201
    owed = session.query(OutgoingChange.neighbour).filter(OutgoingChange.kind == "record").all()
    assert sorted(n for (n,) in owed) == [PROVINCE, PROVINCE, CITY, CITY]

    sent = _send(factory, keys, catalog, signer, node, CITY)
    assert (sent.numbered, sent.files_written) == (2, 1)
    clock.advance(timedelta(minutes=3))
    page = client.get("/console/exchange", headers=OPERATOR).text
    assert "淮南市公共信用信息平台" in page and "上级平台" in page and "文件方式（经网闸交换批次文件）" in page
    assert "已编号到第 2 号，对方已确认到第 0 号" in page and "2 条未获确认，滞后 3 分钟" in page
    assert "还没有收到对方的确认" in page and "还没有对过账" in page

    _receipt(node, city, 2)
    _send(factory, keys, catalog, signer, node, CITY)  # reads the receipt
    refused = _send(factory, keys, catalog, signer, node, PROVINCE)
    assert refused.error and "拒收" in refused.error
    # A batch that claims to come from the city but is signed with another key: refused here, whole.
    forged = rules.build_batch(sender=(CITY, "淮南市公共信用信息平台", prov.key_id), receiver=node.code,
                               changes=[{"seq": 1, "kind": "record"}], recipient_key=signer.public_key(),
                               sign=prov.sign, created_at=utcnow())
    with pytest.raises(DomainError, match="签名"):
        service.receive(factory, keys, catalog, signer, node, forged, f"{CITY}-{node.code}-1-1.batch.json")
    # The city's statement of what it applied: one change fewer than we sent on the day.
    ours = service.summarise([(c.category, c.day, c.digest) for c in session.query(OutgoingChange).filter(
        OutgoingChange.neighbour == CITY)])
    theirs = {k: [v[0] - 1, "0" * 32] for k, v in ours.items()}
    # The day the changes were numbered (the clock has moved on since: near midnight, another day).
    (day,) = {c.day for c in session.query(OutgoingChange).filter(OutgoingChange.neighbour == CITY)}
    statement = rules.sign_document({"type": rules.RECONCILE_TYPE, "receiver": CITY, "sender": node.code,
                                     "day_from": day.isoformat(), "day_to": day.isoformat(), "days": theirs,
                                     "at": utcnow().isoformat()}, city.sign)
    assert service.reconcile(factory, node, signer, node.neighbour(CITY), day, day, statement).status == "drift"

    page = client.get("/console/exchange", headers=OPERATOR).text
    city_card, province_card = page.split('id="h-peer-340000"')
    assert "对方已确认到第 2 号" in city_card and "已全部确认" in city_card and "无（发出的变更均已确认）" in city_card
    assert "不一致" in city_card and "对账不一致的类别和日期" in city_card
    assert f"核对 {day.isoformat()} 的变更" in city_card
    assert f"{catalog.category_name(catalog.item('XZCF-01').category)}" in city_card and "2 条" in city_card
    assert "1 条" in city_card
    assert "最近一次交换出错" in province_card and "安徽省公共信用信息平台拒收（HTTP 403）" in province_card
    refusals = page.split('id="h-refusals"')[1]
    assert refusals.index("本平台拒收") < refusals.index("对方拒收")  # newest first
    assert "批次签名无效：不是淮南市公共信用信息平台签发的" in refusals and "第 1 号" in refusals
    assert "第 1–2 号" in refusals  # what the province refused
    # The words first; the code only in small print.
    assert '最近错误</dt><dd><span class="bad-text">安徽省公共信用信息平台拒收' in province_card

    # The auditor reads, the operator may send again.
    assert "从某序号起重发" in page
    assert "从某序号起重发" not in client.get("/console/exchange", headers=AUDITOR).text
    assert _post(client, f"/console/exchange/{CITY}/resend", AUDITOR, {"from_seq": "1"}).status_code == 403
    wrong = _post(client, f"/console/exchange/{CITY}/resend", OPERATOR, {"from_seq": "9"})
    assert wrong.status_code == 422 and "只编号到第 2 号，请填写 1 到 2 之间的序号" in wrong.text
    assert 'value="9"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert "请修改以下内容后重新提交" in wrong.text
    done = _post(client, f"/console/exchange/{CITY}/resend", OPERATOR, {"from_seq": "1"})
    assert done.status_code == 303
    page = client.get(done.headers["location"], headers=OPERATOR).text
    assert "已安排向淮南市公共信用信息平台从第 1 号变更起重发，共 2 条" in page
    assert "对方已确认到第 0 号" in page.split('id="h-peer-340000"')[0]
    assert _post(client, "/console/exchange/999999/resend", OPERATOR, {"from_seq": "1"}).status_code == 404


def test_a_repair_shows_who_received_the_matter_and_the_workbench_the_ends_not_confirmed(
        client, session, factory, keys, catalog, signer, clock, neighbours):
    node, city, _ = neighbours
    submit(client, [penalty(511)])
    person = person_headers(session, keys, 511)
    rid = own_record(client, person, "SCJG-2026-000511")["id"]
    made = _post(client, "/me/repairs", person, {"target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清",
                                                 "commitment": "yes"}, files=EVIDENCE)
    repair = made.headers["location"].rsplit("/", 1)[1]
    _send(factory, keys, catalog, signer, node, CITY)
    _receipt(node, city, 1)
    _send(factory, keys, catalog, signer, node, CITY)
    review = client.get(f"/console/repairs/{repair}", headers=OPERATOR).text
    shared = review.split('id="h-receivers"')[1]
    assert "本事项已共享给" in review and "淮南市公共信用信息平台" in shared and "已收到本事项" in shared
    assert "安徽省公共信用信息平台" in shared and "待发送" in shared  # the province has not confirmed it

    assert _post(client, f"/console/repairs/{repair}/acceptance", OPERATOR, {"accepted": "yes"}).status_code == 303
    assert _post(client, f"/console/repairs/{repair}/decision", OPERATOR,
                 {"approved": "yes", "reason": "已缴清罚款"}).status_code == 303
    shared = client.get(f"/console/repairs/{repair}", headers=OPERATOR).text.split('id="h-receivers"')[1]
    assert "待通知" in shared and "逾期" not in shared
    _send(factory, keys, catalog, signer, node, CITY)  # the end leaves as a batch file
    assert "逾期未确认" not in client.get("/console", headers=OPERATOR).text

    clock.advance(timedelta(hours=25))
    shared = client.get(f"/console/repairs/{repair}", headers=OPERATOR).text.split('id="h-receivers"')[1]
    city_row, province_row = (_row(shared, "淮南市"), _row(shared, "安徽省"))
    assert "已通知，待确认（已逾期）" in city_row and "待通知（已逾期）" in province_row
    desk = client.get("/console", headers=OPERATOR).text
    alert = desk.split('id="h-overdue"')[1].split("</section>")[0]
    assert "逾期未确认的撤销、修复通知" in desk and "超过 24 小时仍未获接收方确认" in alert
    assert "淮南市公共信用信息平台" in alert and "安徽省公共信用信息平台" in alert
    assert "信用修复：" in alert and "尚未发出" in alert
    assert rid in alert  # the matter
    assert "逾期未确认" not in client.get("/console", headers=AUDITOR).text  # operators answer for it

    _receipt(node, city, 2)
    _send(factory, keys, catalog, signer, node, CITY)
    shared = client.get(f"/console/repairs/{repair}", headers=OPERATOR).text.split('id="h-receivers"')[1]
    assert "已通知，已确认" in _row(shared, "淮南市") and "待通知（已逾期）" in _row(shared, "安徽省")
    alert = client.get("/console", headers=OPERATOR).text.split('id="h-overdue"')[1].split("</section>")[0]
    assert "淮南市" not in alert and "安徽省公共信用信息平台" in alert


def test_a_matter_nobody_received_has_no_receivers_table(client, session, keys):
    submit(client, [penalty(521)])
    person = person_headers(session, keys, 521)
    rid = own_record(client, person, "SCJG-2026-000521")["id"]
    made = _post(client, "/me/repairs", person, {"target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清",
                                                 "commitment": "yes"}, files=EVIDENCE)
    repair = made.headers["location"].rsplit("/", 1)[1]
    assert "本事项已共享给" not in client.get(f"/console/repairs/{repair}", headers=OPERATOR).text
