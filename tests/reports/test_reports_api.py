"""Credit reports over HTTP (issue 16): a real, signed PDF naming every matter; verification that
follows the file (valid, superseded, revoked); the authorised report's scope and log; the certificate
refused when untrue; the register and its limits. Both databases."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from report_data import OWN, VERIFY, fonts_of, seed, text_of, validate
from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.reports.models import Report
from helpers import DEPT, OPERATOR, as_person, cid, matters_of, submit


def own_report(client, person, **body):
    return client.post(OWN, json={"variant": "self", **body}, headers=person)


def verify(client, res):
    return client.get(VERIFY, params={"number": res.headers["X-Report-Number"],
                                      "code": res.headers["X-Report-Check-Code"]}).json()


def root_pem(client) -> bytes:
    res = client.get("/api/v1/reports/trust-root.pem")
    assert res.status_code == 200 and res.content.startswith(b"-----BEGIN CERTIFICATE-----")
    return res.content


def test_the_self_report_is_a_signed_pdf_naming_every_matter_with_its_basis_and_dates(
        client, session, settings, keys):
    number = seed(client, 501)
    person = as_person(session, settings, keys, number)
    file = client.get("/api/v1/me/file", headers=person).json()
    res = own_report(client, person)
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/pdf" and res.content.startswith(b"%PDF-")
    text = text_of(res.content)
    assert "个人公共信用信息报告（本人版）" in text
    assert res.headers["X-Report-Number"] in text and res.headers["X-Report-Check-Code"] in text
    matters = matters_of(file)
    assert len(matters) == 2
    for m in matters:
        for part in (m["item_name"], m["department_name"], m["reference"] or "", m["start_date"],
                     m["publicity"]["ends_on"] or "", m["legal_basis"]):
            assert part.replace(" ", "") in text, part
    for heading in ("阅读说明", "一、概要", "二、信用信息明细", "三、红黑名单信息", "四、查询记录概要",
                    "信息主体的权利"):
        assert heading in text
    assert "京朝市监罚〔2026〕501号" in text and "京市监奖〔2026〕501号" in text  # the decision numbers
    assert number not in text  # the ID number is masked even in the person's own report
    # Selectable Chinese from an embedded subset of a Debian font.
    fonts = fonts_of(res.content)
    assert fonts and all(embedded for _, embedded in fonts)
    assert any("+" in name for name, _ in fonts)  # a subset (ABCDEF+Name)
    # PDF/A-2b for archiving (output intent, XMP identification) and tagged for screen readers.
    root = PdfReader(io.BytesIO(res.content)).trailer["/Root"]
    assert "/OutputIntents" in root and "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp


def test_the_signature_validates_and_one_changed_byte_breaks_it(client, session, settings, keys):
    person = as_person(session, settings, keys, seed(client, 502))
    pdf = own_report(client, person).content
    root = root_pem(client)
    status = validate(pdf, root)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    # A byte of the report's content changed: the digest no longer matches.
    at = pdf.index(b"stream", 200) + 20
    tampered = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]
    assert not validate(tampered, root).intact


def test_pyhanko_validates_the_report_from_the_command_line(client, session, settings, keys, tmp_path: Path):
    person = as_person(session, settings, keys, seed(client, 503))
    report = tmp_path / "report.pdf"
    report.write_bytes(own_report(client, person).content)
    root = tmp_path / "root.pem"
    root.write_bytes(root_pem(client))
    cli = Path(sys.executable).with_name("pyhanko")
    done = subprocess.run([str(cli), "sign", "validate", "--trust", str(root), "--trust-replace", str(report)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "INTACT:TRUSTED" in done.stdout
    # Against another platform's root the same file is intact but not trusted.
    from chengxin.reports.seal import issue_demo

    issue_demo(tmp_path / "other", organisation="另一平台", site_name="另一市")
    done = subprocess.run([str(cli), "sign", "validate", "--trust", str(tmp_path / "other" / "root.pem"),
                           "--trust-replace", str(report)], capture_output=True, text=True, timeout=120)
    assert "INTACT:TRUSTED" not in done.stdout and "INTACT:UNTRUSTED" in done.stdout, done.stdout


def test_verification_follows_the_file_valid_then_superseded_then_revoked(client, session, settings, keys):
    number = seed(client, 504)
    person = as_person(session, settings, keys, number)
    res = own_report(client, person)
    first = verify(client, res)
    assert first["status"] == "valid" and first["number"] == res.headers["X-Report-Number"]
    assert first["sha256"] == res.headers["X-Report-SHA256"]
    # Nothing about the person beyond what the holder has: no name, no matters, no key.
    assert set(first) == {"status", "status_label", "message", "number", "variant_label", "title", "as_of",
                          "issued_at", "issuer", "sha256", "pages", "file_matches"}
    wrong = client.get(VERIFY, params={"number": res.headers["X-Report-Number"], "code": "AAAAAA"}).json()
    assert wrong == client.get(VERIFY, params={"number": "2026010100000000", "code": "AAAAAA"}).json()
    assert wrong["status"] == "not_found"
    # A later report stays valid; revoking one matter of the file supersedes both.
    later = own_report(client, person)
    revoked = client.post("/api/v1/records/revocations", headers=DEPT,
                          json={"source_record_id": "SCJG-2026-000504", "reason": "行政复议撤销原处罚决定"})
    assert revoked.status_code == 200, revoked.text
    assert verify(client, res)["status"] == "superseded"
    assert verify(client, later)["status"] == "superseded"
    newest = own_report(client, person)
    assert verify(client, newest)["status"] == "valid"
    # The register says the same to the person.
    mine = {r["number"]: r for r in client.get(OWN, headers=person).json()["items"]}
    assert mine[res.headers["X-Report-Number"]]["status"] == "superseded"
    assert mine[newest.headers["X-Report-Number"]]["status"] == "valid"
    # The credit office voids a report: verification says revoked, everywhere.
    made = client.post(f"/api/v1/reports/{newest.headers['X-Report-Id']}/revoke", headers=OPERATOR,
                       json={"reason": "出具有误"})
    assert made.status_code == 200 and made.json()["status"] == "revoked"
    assert verify(client, newest)["status"] == "revoked"
    mine = {r["number"]: r for r in client.get(OWN, headers=person).json()["items"]}
    assert mine[newest.headers["X-Report-Number"]]["status"] == "revoked"


def test_a_correction_supersedes_and_a_file_upload_is_compared_byte_for_byte(client, session, settings, keys,
                                                                             monkeypatch):
    number = seed(client, 505)
    person = as_person(session, settings, keys, number)
    res = own_report(client, person)
    form = {"number": res.headers["X-Report-Number"], "code": res.headers["X-Report-Check-Code"]}
    same = client.post("/api/v1/reports/verify-file", data=form,
                       files={"file": ("r.pdf", res.content, "application/pdf")}).json()
    assert same["status"] == "valid" and same["file_matches"] is True
    other = client.post("/api/v1/reports/verify-file", data=form,
                        files={"file": ("r.pdf", res.content + b"\n", "application/pdf")}).json()
    assert other["file_matches"] is False
    from chengxin.reports import endpoints

    monkeypatch.setattr(endpoints, "MAX_VERIFY_FILE", len(res.content) - 1)  # what it costs is bounded
    big = client.post("/api/v1/reports/verify-file", data=form,
                      files={"file": ("r.pdf", res.content, "application/pdf")})
    assert big.status_code == 413 and big.json()["code"] == "REPORT_FILE_TOO_LARGE"
    from helpers import penalty

    corrected = submit(client, [penalty(505, fields={"fine_amount": "2.00"})], DEPT)
    assert corrected.status_code == 201, corrected.text
    assert verify(client, res)["status"] == "superseded"


def test_the_certificate_is_refused_with_the_reason_when_untrue_and_superseded_when_it_turns_untrue(
        client, session, settings, keys):
    listed = as_person(session, settings, keys, seed(client, 506, court=True))
    refused = own_report(client, listed, variant="certificate")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "REPORT_CERTIFICATE_UNTRUE" and "严重失信" in body["detail"] and "异议" in body["detail"]
    assert session.scalar(select(Report).where(Report.variant == "certificate")) is None

    clean_number = seed(client, 507)
    clean = as_person(session, settings, keys, clean_number)
    res = own_report(client, clean, variant="certificate", purpose="申报评优")
    assert res.status_code == 200, res.text
    text = text_of(res.content)
    assert "无严重失信记录证明" in text and "无处于公示期内的严重失信记录" in text
    assert verify(client, res)["status"] == "valid"
    # A court listing decided before the certificate's day, reported later: the certificate is no longer true.
    from helpers import COURT, court_case

    assert submit(client, [court_case(507)], COURT).status_code == 201
    assert verify(client, res)["status"] == "superseded"


def test_the_occupational_report_keeps_the_occupations_items_and_prints_the_scenario(
        client, session, settings, keys):
    person = as_person(session, settings, keys, seed(client, 508, job=True))
    bad = own_report(client, person, variant="occupational", occupation="teacher")
    assert bad.status_code == 422 and bad.json()["code"] == "REPORT_SCENARIO_UNKNOWN"
    unknown = own_report(client, person, variant="occupational", occupation="astronaut", scenario="hiring")
    assert unknown.json()["code"] == "REPORT_OCCUPATION_UNKNOWN"
    res = own_report(client, person, variant="occupational", occupation="teacher", scenario="hiring")
    assert res.status_code == 200, res.text
    text = text_of(res.content)
    assert "个人职业信用报告" in text and "教师" in text and "招聘录用" in text
    assert "职业资格信息" in text and "高级中学教师资格" in text
    assert "行政处罚信息" not in text  # a market penalty is not about teaching


def test_the_register_and_the_access_log_show_every_report_and_limits_apply(client, session, settings, keys):
    number = seed(client, 509)
    person = as_person(session, settings, keys, number)
    key = keys.subject_key("citizen_id", number)
    settings.report_per_person_day = 2
    assert own_report(client, person).status_code == 200
    assert own_report(client, person, variant="certificate").status_code == 200
    third = own_report(client, person)
    assert third.status_code == 429 and third.json()["code"] == "REPORT_RATE_LIMITED"
    items = client.get(OWN, headers=person).json()["items"]
    assert [i["variant"] for i in items] == ["certificate", "self"]
    logged = session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key,
                                                       AccessEntry.action == "report")).all()
    assert {e.ref_id for e in logged} == {i["id"] for i in items}
    seen = client.get("/api/v1/me/accesses", headers=person).json()["items"]
    assert sum(i["action"] == "report" for i in seen) == 2


@pytest.mark.parametrize("body, code", [
    ({"variant": "annual"}, "REPORT_VARIANT_UNKNOWN"),
    ({"variant": "authorised"}, "REPORT_VARIANT_NOT_HERE"),
    ({"variant": "self", "extra": 1}, "REQUEST_INVALID"),
])
def test_bad_requests_get_a_stable_code(client, session, settings, keys, body, code):
    person = as_person(session, settings, keys, seed(client, 510))
    res = client.post(OWN, json=body, headers=person)
    assert res.status_code == 422 and res.json()["code"] == code


def test_a_person_without_a_file_gets_a_clear_answer(client, session, settings, keys):
    person = as_person(session, settings, keys, cid(511))
    res = own_report(client, person)
    assert res.status_code == 404 and res.json()["code"] == "PERSON_NOT_FOUND"


def test_the_authorised_report_shows_only_what_the_grant_covers_and_the_person_sees_it(
        client, session, settings, keys):
    from datetime import timedelta

    from chengxin.accounts import service as accounts
    from chengxin.clock import utcnow

    number = seed(client, 512)
    person = as_person(session, settings, keys, number)
    bank_uscc = "91350100M000100Y43"
    acc = accounts.create_account(session, kind="third_party", display_name="示范银行", roles=["third_party"],
                                  org_uscc=bank_uscc)
    bank = {"Authorization": f"Bearer {accounts.issue_token(session, settings, acc.id, name='t').token}"}
    grant = client.post("/api/v1/me/authorisations", headers=person, json={
        "grantee_uscc": bank_uscc, "purpose_code": "loan", "purpose": "个人住房贷款审批", "scope": ["XZCF"],
        "valid_until": (utcnow() + timedelta(days=30)).isoformat(), "use_mode": "single"}).json()
    url = f"/api/v1/authorisations/{grant['id']}/report"
    wrong = client.post(url, headers=bank, json={"purpose_code": "recruitment"})
    assert wrong.status_code == 403 and wrong.json()["code"].startswith("AUTHZ_")
    res = client.post(url, headers=bank, json={"purpose_code": "loan", "purpose": "个人住房贷款审批",
                                               "business_ref": "DK-2026-9"})
    assert res.status_code == 200, res.text
    text = text_of(res.content)
    assert "授权查询版" in text and "个人住房贷款审批" in text and "行政处罚" in text and bank_uscc in text
    assert "行政处罚信息" in text and "行政奖励信息" not in text  # outside the grant's scope
    assert "张三" not in text  # the name is masked for a third party
    assert validate(res.content, root_pem(client)).bottom_line
    # A single-use grant is spent by the report.
    again = client.post(url, headers=bank, json={"purpose_code": "loan", "purpose": "个人住房贷款审批"})
    assert again.status_code == 403 and again.json()["code"] == "AUTHZ_USED"
    # The person sees the read in "谁查询了我" and the report in their register.
    seen = [i for i in client.get("/api/v1/me/accesses", headers=person).json()["items"] if i["action"] == "report"]
    assert [(i["organisation"], i["result"], i["business_ref"]) for i in seen] == [
        (bank_uscc, "AUTHZ_USED", None), (bank_uscc, "ok", "DK-2026-9"), (bank_uscc, "AUTHZ_PURPOSE", None)]
    mine = client.get(OWN, headers=person).json()["items"]
    assert [(r["variant"], r["requester"], r["check_code"] is not None) for r in mine] == [
        ("authorised", bank_uscc, True)]
    assert mine[0]["authorisation_id"] == grant["id"] and mine[0]["number"] == res.headers["X-Report-Number"]


def test_an_approved_repair_supersedes_the_report_and_the_new_report_marks_it_repaired(
        client, session, settings, keys):
    from helpers import PNG, own_record

    number = seed(client, 513)
    person = as_person(session, settings, keys, number)
    res = own_report(client, person)
    assert verify(client, res)["status"] == "valid"
    rec = own_record(client, person, "SCJG-2026-000513")
    made = client.post("/api/v1/me/repairs", headers=person, files=[("evidence", ("缴款凭证.png", PNG, "image/png"))],
                       data={"target_kind": "matter", "target_id": rec["id"], "method": "fine_paid",
                             "statement": "已缴清全部罚款", "commitment": "true"})
    assert made.status_code == 201, made.text
    repair = made.json()["id"]
    assert client.post(f"/api/v1/repairs/{repair}/acceptance", headers=OPERATOR,
                       json={"accepted": True}).status_code == 200
    assert verify(client, res)["status"] == "valid"  # an application alone changes nothing the report said
    decided = client.post(f"/api/v1/repairs/{repair}/decision", headers=OPERATOR,
                          json={"approved": True, "reason": "已缴清罚款，准予修复"})
    assert decided.status_code == 200, decided.text
    assert verify(client, res)["status"] == "superseded"
    again = own_report(client, person)
    assert "已信用修复" in text_of(again.content)
    assert verify(client, again)["status"] == "valid"


def test_the_self_report_summarises_who_queried_the_file(client, session, settings, keys):
    from helpers import HR, check

    number = seed(client, 514)
    person = as_person(session, settings, keys, number)
    for _ in range(2):
        assert check(client, number, "civil_service_recruitment", HR).status_code == 200
    text = text_of(own_report(client, person).content)
    assert "本人以外的机构查询本人信用信息共2次" in text
    assert "市人力资源和社会保障局" in text and "联合奖惩核查" in text


def test_a_third_party_is_limited_per_person_per_day(client, session, settings, keys):
    from datetime import timedelta

    from chengxin.accounts import service as accounts
    from chengxin.clock import utcnow

    person = as_person(session, settings, keys, seed(client, 515))
    uscc = "91350100M000100Y43"
    acc = accounts.create_account(session, kind="third_party", display_name="示范银行", roles=["third_party"],
                                  org_uscc=uscc)
    bank = {"Authorization": f"Bearer {accounts.issue_token(session, settings, acc.id, name='t').token}"}
    grant = client.post("/api/v1/me/authorisations", headers=person, json={
        "grantee_uscc": uscc, "purpose_code": "loan", "purpose": "个人住房贷款审批", "scope": ["full_report"],
        "valid_until": (utcnow() + timedelta(days=30)).isoformat(), "use_mode": "repeated"}).json()
    settings.report_per_organisation_person_day = 2
    body = {"purpose_code": "loan", "purpose": "个人住房贷款审批"}
    url = f"/api/v1/authorisations/{grant['id']}/report"
    assert [client.post(url, headers=bank, json=body).status_code for _ in range(3)] == [200, 200, 429]
    refused = client.post(url, headers=bank, json=body).json()
    assert refused["code"] == "REPORT_RATE_LIMITED" and "本机构就该信息主体" in refused["detail"]


def test_as_served_many_verifications_at_once_are_answered_and_each_is_logged_once(data_dir, keys, is_postgres):
    """On a database of its own, as `chengxin serve` has it: verifications read outside the write
    lock (on SQLite on the event loop, on a kept connection) and their log entries are committed in
    groups; every concurrent request is answered, and logged exactly once, before it is answered."""
    import asyncio

    import httpx
    from fastapi.testclient import TestClient as TestClientFor
    from sqlalchemy import func

    from chengxin.settings import get_settings
    from helpers import own_database_app
    from helpers import penalty as penalty_row

    app, engine, factory = own_database_app(keys, tokens=True)
    try:
        with TestClientFor(app) as client:
            assert submit(client, [penalty_row(531)], DEPT).status_code == 201
            with factory() as s:
                person = as_person(s, get_settings(), keys, cid(531))
                s.commit()
            res = own_report(client, person)
            assert res.status_code == 200, res.text
            number, code = res.headers["X-Report-Number"], res.headers["X-Report-Check-Code"]

        async def many() -> list[dict]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as ac:
                answers = await asyncio.gather(*(ac.get(VERIFY, params={"number": number, "code": code})
                                                 for _ in range(40)))
            return [a.json() for a in answers]

        answers = asyncio.run(many())
        assert [a["status"] for a in answers] == ["valid"] * 40
        with factory() as s:
            logged = s.scalar(select(func.count()).select_from(AccessEntry).where(
                AccessEntry.action == "report_verify", AccessEntry.ref_id == res.headers["X-Report-Id"]))
        assert logged == 40
        kept = getattr(app.state, "verify_connection", None)
        assert (kept is not None) == (not is_postgres)  # SQLite reads on the loop, on a kept connection
        with TestClientFor(app):
            pass  # the server stops: what it kept is given back
        assert kept is None or kept.closed
    finally:
        conn = getattr(app.state, "verify_connection", None)
        if conn is not None:
            conn.close()
        engine.dispose()
