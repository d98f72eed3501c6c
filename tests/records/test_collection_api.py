"""JSON batches: per-row validation, idempotency, versions, revocation, bad input."""

from __future__ import annotations

from sqlalchemy import func, select

from chengxin.records.models import Record
from helpers import DEPT, as_dept, as_role, cid, file_of, penalty, submit


def count_records(session) -> int:
    return session.scalar(select(func.count()).select_from(Record))


def codes(receipt: dict) -> set[tuple[int, str]]:
    return {(i["row"], i["code"]) for i in receipt["issues"] if i["level"] == "error"}


def test_valid_rows_are_kept_and_invalid_rows_reported(client, session):
    before = count_records(session)
    bad_id = penalty(2, id_number="110105194912310020")
    unknown = penalty(3, item_code="NOPE-99")
    res = submit(client, [penalty(1), bad_id, unknown])
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["total"], body["created"], body["rejected"]) == (3, 1, 2)
    assert codes(body) == {(2, "ID_CHECKSUM"), (3, "RECORD_ITEM_UNKNOWN")}
    assert body["batch_id"] and body["received_at"]
    assert count_records(session) == before + 1


def test_resubmission_is_idempotent_and_change_makes_a_version(client, session):
    first = submit(client, [penalty(1)]).json()
    assert first["created"] == 1
    again = submit(client, [penalty(1)]).json()
    assert (again["created"], again["unchanged"], again["new_versions"]) == (0, 1, 0)
    changed = submit(client, [penalty(1, fields={"fine_amount": "2.00"})]).json()  # was 1.50
    assert changed["new_versions"] == 1
    rows = session.scalars(select(Record).where(Record.source_record_id == "SCJG-2026-000001")
                           .order_by(Record.version)).all()
    assert [r.version for r in rows] == [1, 2]
    assert rows[0].superseded_at is not None and rows[1].superseded_at is None
    assert rows[1].data["fine_amount"] == "2"  # amounts are stored in one canonical text


def test_same_record_twice_in_one_batch_keeps_one_live_version(client, session):
    body = submit(client, [penalty(5), penalty(5, fields={"fine_amount": "3.00"})]).json()
    assert (body["created"], body["new_versions"]) == (1, 1)
    live = session.scalars(select(Record).where(Record.source_record_id == "SCJG-2026-000005",
                                                Record.superseded_at.is_(None))).all()
    assert len(live) == 1 and live[0].version == 2


def test_a_rejected_row_changes_nothing(client, session):
    submit(client, [penalty(7)])
    before = session.scalars(select(Record.content_hash)
                             .where(Record.source_record_id == "SCJG-2026-000007")).all()
    bad = penalty(7, decision_date="2099-01-01", fields={"fine_amount": "9.99"})
    body = submit(client, [bad]).json()
    assert codes(body) == {(1, "RECORD_DECISION_DATE_FUTURE")}
    after = session.scalars(select(Record.content_hash)
                            .where(Record.source_record_id == "SCJG-2026-000007")).all()
    assert after == before


def test_wrong_types_and_missing_fields_are_per_row(client):
    rows = [
        penalty(1, fields={"fine_amount": "一万"}),
        penalty(2, fields={"penalty_type": "打板子"}),
        penalty(3, decision_date="2026-02-30"),
        penalty(4, name=""),
        {"item_code": "XZCF-01"},
        "not an object",
        penalty(5, fields=None) | {"fields": [1, 2]},
    ]
    body = submit(client, rows).json()
    found = codes(body)
    assert (1, "FIELD_NUMBER_INVALID") in found
    assert (2, "FIELD_VALUE_NOT_ALLOWED") in found
    assert (3, "RECORD_DECISION_DATE_INVALID") in found
    assert (4, "RECORD_NAME_MISSING") in found
    assert {(5, "ID_EMPTY"), (5, "RECORD_SOURCE_ID_MISSING")} <= found
    assert (6, "RECORD_NOT_OBJECT") in found
    assert (7, "RECORD_FIELDS_NOT_OBJECT") in found
    assert body["rejected"] == 7 and body["created"] == 0


def test_forbidden_field_rejects_the_row(client):
    body = submit(client, [penalty(1, fields={"血型": "A"}),
                           penalty(2, fields={"religion": "x"}),
                           penalty(3, fields={"月收入": "8000"}),
                           penalty(4, fields={"favourite_colour": "red"})]).json()
    assert codes(body) == {(1, "RECORD_FIELD_FORBIDDEN"), (2, "RECORD_FIELD_FORBIDDEN"),
                           (3, "RECORD_FIELD_CONSENT_REQUIRED"), (4, "RECORD_FIELD_UNKNOWN")}


def test_every_invalid_id_of_r1_is_refused_with_its_code(client):
    cases = {"110105194912310020": "ID_CHECKSUM", "110105199002300028": "ID_BIRTH_DATE_INVALID",
             "110105200102290029": "ID_BIRTH_DATE_INVALID", "11010519491231002": "ID_LENGTH",
             "1101O519491231002X": "ID_CHARS"}
    rows = [penalty(n, id_number=number) for n, number in enumerate(cases, start=1)]
    found = codes(submit(client, rows).json())
    assert found == {(n, code) for n, code in enumerate(cases.values(), start=1)}


def test_unknown_county_is_a_warning_and_the_row_is_kept(client):
    number = cid(1, county="119999")
    body = submit(client, [penalty(1, id_number=number)]).json()
    assert body["created"] == 1 and body["warnings"] == 1
    assert body["issues"][0]["code"] == "ID_COUNTY_UNKNOWN"


def test_severity_override_needs_a_reason(client, session):
    body = submit(client, [penalty(1, severity="严重"),
                           penalty(2, severity="严重", severity_reason="造成严重后果")]).json()
    assert codes(body) == {(1, "RECORD_SEVERITY_REASON_REQUIRED")}
    rec = session.scalars(select(Record).where(Record.source_record_id == "SCJG-2026-000002")).one()
    assert rec.severity == "serious" and rec.severity_reason == "造成严重后果"


def test_department_must_be_a_source_of_the_item(client):
    body = submit(client, [penalty(1)], headers=as_dept("blood_center")).json()
    assert codes(body) == {(1, "RECORD_DEPARTMENT_NOT_SOURCE")}


def test_malformed_json_and_wrong_shape_are_problems(client):
    res = client.post("/api/v1/records/batches", content=b"{not json",
                      headers={**DEPT, "Content-Type": "application/json"})
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == "REQUEST_JSON_MALFORMED"
    res = client.post("/api/v1/records/batches", json={"records": "x"}, headers=DEPT)
    assert res.status_code == 422 and res.json()["code"] == "REQUEST_INVALID"


def test_batch_over_the_limit_is_refused_whole(client, app, session):
    app.state.settings.max_batch_rows = 3
    before = count_records(session)
    res = submit(client, [penalty(n) for n in range(1, 5)])
    assert res.status_code == 413 and res.json()["code"] == "BATCH_TOO_LARGE"
    assert count_records(session) == before


def test_submission_needs_a_department_credential(client):
    res = submit(client, [penalty(1)], headers={})
    assert res.status_code == 401 and res.json()["code"] == "AUTH_REQUIRED"
    res = submit(client, [penalty(1)], headers={"Authorization": "Bearer nobody'; --"})
    assert res.status_code == 401 and res.json()["code"] == "AUTH_TOKEN_INVALID"
    res = submit(client, [penalty(1)], headers=as_role("auditor"))
    assert res.status_code == 403 and res.json()["code"] == "AUTH_FORBIDDEN"


def test_revocation_with_reason_shows_in_the_file(client):
    submit(client, [penalty(1)])
    res = client.post("/api/v1/records/revocations", headers=DEPT,
                      json={"source_record_id": "SCJG-2026-000001", "reason": "复议撤销"})
    assert res.status_code == 200, res.text
    again = client.post("/api/v1/records/revocations", headers=DEPT,
                        json={"source_record_id": "SCJG-2026-000001", "reason": "复议撤销"})
    assert again.json()["code"] == "RECORD_ALREADY_REVOKED"
    other = client.post("/api/v1/records/revocations", headers=as_dept("tax"),
                        json={"source_record_id": "SCJG-2026-000001", "reason": "x"})
    assert other.status_code == 404
    matter = file_of(client, cid(1)).json()["categories"][0]["matters"][0]
    assert matter["publicity"]["status"] == "revoked" and matter["end_note"] == "复议撤销"
    assert matter["state"] == "revoked" and res.json()["matter_id"] == matter["id"]


def test_receipt_can_be_fetched_by_its_department_only(client):
    batch_id = submit(client, [penalty(1)]).json()["batch_id"]
    assert client.get(f"/api/v1/records/batches/{batch_id}", headers=DEPT).status_code == 200
    res = client.get(f"/api/v1/records/batches/{batch_id}", headers=as_dept("tax"))
    assert res.status_code == 404 and res.json()["code"] == "BATCH_NOT_FOUND"


def test_plain_id_is_never_stored_in_the_clear(client, session, connection):
    number = cid(9)
    submit(client, [penalty(9, id_number=number)])
    for table in ("persons", "records", "batch_issues"):
        rows = connection.exec_driver_sql(f"SELECT * FROM {table}").fetchall()
        assert rows or table == "batch_issues"
        assert all(number not in str(r) for r in rows)
