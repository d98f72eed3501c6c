"""Report pages (issue 16): the person downloads reports from their pages and sees every report about
them; a refused certificate stays on the page with the reason; anyone verifies from the QR address;
the counter prints a report only after the ID check, logging it; the register and voiding."""

from __future__ import annotations

import re

from report_data import seed, text_of
from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.reports.models import Report
from helpers import OPERATOR, as_person, cid, with_csrf


def _plain(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", html))


def test_the_person_downloads_each_report_from_the_page_and_sees_it_listed(client, session, settings, keys):
    person = as_person(session, settings, keys, seed(client, 521, job=True))
    page = client.get("/me/reports", headers=person)
    assert page.status_code == 200
    text = _plain(page.text)
    assert "个人信用报告（本人版）" in text and "可以出具证明" in text and "还没有出具过关于您的报告" in text
    res = client.post("/me/reports", headers=with_csrf(person), data={"variant": "self"})
    assert res.status_code == 200 and res.headers["content-type"] == "application/pdf"
    assert "attachment" in res.headers["content-disposition"]
    job = client.post("/me/reports", headers=with_csrf(person), data={
        "variant": "occupational", "occupation": "teacher", "scenario": "award", "purpose": "评选优秀教师"})
    assert job.status_code == 200 and "评优评先" in text_of(job.content)
    listed = _plain(client.get("/me/reports", headers=person).text)
    for part in ("本人版", "职业信用报告", "评选优秀教师", res.headers["X-Report-Number"],
                 res.headers["X-Report-Check-Code"], "有效"):
        assert part in listed, part
    # A form without a scenario comes back with the message beside the field and the values kept.
    bad = client.post("/me/reports", headers=with_csrf(person), data={
        "variant": "occupational", "occupation": "teacher", "purpose": "应聘"})
    assert bad.status_code == 422
    assert "使用场景" in bad.text and 'value="应聘"' in bad.text and 'aria-invalid="true"' in bad.text


def test_the_page_view_shows_the_same_content_without_number_or_seal(client, session, settings, keys):
    number = seed(client, 522)
    person = as_person(session, settings, keys, number)
    page = client.get("/me/reports/view", headers=person, params={"variant": "self"})
    assert page.status_code == 200
    text = _plain(page.text)
    for part in ("个人公共信用信息报告（本人版）", "行政处罚信息", "京朝市监罚〔2026〕522号", "预览", "信息主体的权利"):
        assert part in text, part
    assert number not in page.text
    assert "/verify?n=" not in page.text and "核验二维码" not in page.text  # nothing to verify in a preview
    assert session.scalar(select(Report).where(Report.subject_key == keys.subject_key("citizen_id", number))) is None


def test_a_listed_person_is_told_why_there_is_no_certificate(client, session, settings, keys):
    person = as_person(session, settings, keys, seed(client, 523, court=True))
    text = _plain(client.get("/me/reports", headers=person).text)
    assert "平台不能出具此证明" in text and "失信被执行人" in text and "提出异议" in text
    assert "下载证明" not in text
    res = client.post("/me/reports", headers=with_csrf(person), data={"variant": "certificate"})
    assert res.status_code == 409 and "不能出具无严重失信记录证明" in res.text


def test_the_qr_address_opens_the_verification_and_a_file_is_compared(client, session, settings, keys):
    person = as_person(session, settings, keys, seed(client, 524))
    res = client.post("/me/reports", headers=with_csrf(person), data={"variant": "certificate"})
    n, c = res.headers["X-Report-Number"], res.headers["X-Report-Check-Code"]
    assert f"/verify?n={n}&c={c}" in text_of(res.content)
    page = client.get("/verify", params={"n": n, "c": c})
    text = _plain(page.text)
    assert page.status_code == 200 and "有效" in text and "无严重失信记录证明" in text and n in text
    assert "张三" not in text  # nothing the holder does not already have
    upload = client.post("/verify", headers=with_csrf(None, client), data={"n": n, "c": c},
                         files={"file": ("证明.pdf", res.content, "application/pdf")})
    assert "完全一致" in _plain(upload.text)
    changed = client.post("/verify", headers=with_csrf(None, client), data={"n": n, "c": c},
                          files={"file": ("证明.pdf", res.content[:-10], "application/pdf")})
    assert "不一致" in _plain(changed.text)
    unknown = client.get("/verify", params={"n": n, "c": "ZZZZZZ"})
    assert "查无此报告" in _plain(unknown.text)
    blank = client.get("/verify", params={"n": n, "c": ""})
    assert blank.status_code == 422 and "校验码" in blank.text
    # The person sees each verification in "谁查询了我", in words.
    seen = _plain(client.get("/me/accesses", headers=person).text)
    assert "信用报告核验" in seen and "您出示信用报告的核验方" in seen and "核验结果：有效" in seen
    assert "anonymous" not in seen and "valid" not in seen


def test_the_counter_prints_only_after_the_id_check_and_logs_every_attempt(client, session, settings, keys):
    number = seed(client, 525)
    key = keys.subject_key("citizen_id", number)
    form = {"id_type": "citizen_id", "id_number": number, "name": "张三", "variant": "self", "checked": "yes"}
    unchecked = client.post("/console/reports/counter", headers=with_csrf(OPERATOR), data={**form, "checked": ""})
    assert unchecked.status_code == 422 and "查验本人的身份证件原件" in unchecked.text
    assert number not in unchecked.text  # the number typed is not echoed back
    wrong = client.post("/console/reports/counter", headers=with_csrf(OPERATOR), data={**form, "name": "李四"})
    assert wrong.status_code == 422 and "姓名与平台登记的姓名不一致" in wrong.text
    unknown = client.post("/console/reports/counter", headers=with_csrf(OPERATOR),
                          data={**form, "id_number": cid(526)})
    assert unknown.status_code == 404 and "没有此人的信用档案" in unknown.text
    res = client.post("/console/reports/counter", headers=with_csrf(OPERATOR), data=form)
    assert res.status_code == 200 and res.headers["content-type"] == "application/pdf"
    row = session.scalar(select(Report).where(Report.number == res.headers["X-Report-Number"]))
    assert (row.channel, row.requester_kind) == ("counter", "clerk") and "已查验本人居民身份证原件" in row.purpose
    logged = session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key,
                                                       AccessEntry.action == "report")
                             .order_by(AccessEntry.seq)).all()
    assert [e.result for e in logged] == ["REPORT_NAME_MISMATCH", "ok"]
    assert all(e.actor_role == "operator" for e in logged)
    # The register shows it, and voiding it shows everywhere.
    register = client.get("/console/reports", headers=OPERATOR)
    assert res.headers["X-Report-Number"] in register.text and "窗口办理" in register.text
    voided = client.post(f"/console/reports/{row.id}/revoke", headers=with_csrf(OPERATOR),
                         data={"reason": "打印有误"}, follow_redirects=False)
    assert voided.status_code == 303
    assert "已作废" in _plain(client.get("/verify", params={"n": row.number, "c": row.check_code}).text)
    person = as_person(session, settings, keys, number)
    assert "已作废" in _plain(client.get("/me/reports", headers=person).text)
