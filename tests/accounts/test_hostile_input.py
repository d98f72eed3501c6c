"""SQL metacharacters and path tricks in every kind of parameter: clear 4xx answers, no harm."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chengxin.persons.models import Person
from chengxin.records.models import Batch
from helpers import DEPT, OPERATOR, cid, penalty, submit

TRICKS = ["' OR '1'='1", "1; DROP TABLE persons; --", "../../../../etc/passwd", "..%2F..%2Fkeys.json",
          "%00", "\\\\server\\share", "<script>alert(1)</script>", "$(rm -rf /)"]


@pytest.mark.parametrize("trick", TRICKS)
def test_path_and_query_parameters(client, session, trick):
    submit(client, [penalty(51)])
    people = session.scalar(select(func.count()).select_from(Person))
    answers = [
        client.get(f"/api/v1/persons/{trick}/file", headers=OPERATOR),
        client.get(f"/api/v1/records/batches/{trick}", headers=DEPT),
        client.get(f"/api/v1/organisations/{trick}", headers=OPERATOR),
        client.get("/api/v1/lists/entries", params={"list_type": trick}, headers=OPERATOR),
        client.get(f"/api/v1/catalog/items/{trick}"),
        client.post("/api/v1/files/query", json={"id_number": trick}, headers=OPERATOR),
        client.post("/api/v1/records/revocations", json={"source_record_id": trick, "reason": trick}, headers=DEPT),
        client.post("/api/v1/auth/login", json={"username": trick, "password": trick}),
        client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer cxt_{trick}"}),
    ]
    for res in answers:
        assert 400 <= res.status_code < 500, (res.request.url, res.status_code, res.text[:200])
        # A dot-dot path that climbs out of /api/ lands on a page address: its 404 is a page.
        api = res.request.url.path.startswith("/api/")
        expected = ("application/problem+json", "application/json") if api else ("text/html",)
        assert res.headers["content-type"].startswith(expected), res.request.url
    assert session.scalar(select(func.count()).select_from(Person)) == people
    assert client.post("/api/v1/files/query", json={"id_number": cid(51)}, headers=OPERATOR).status_code == 200


@pytest.mark.parametrize("name", ["../../../etc/passwd.csv", "..\\..\\windows\\evil.csv", "/abs/path.csv",
                                  "a'; DROP TABLE records; --.csv", "x" * 400 + ".csv"])
def test_upload_names_are_reduced_to_a_plain_file_name(client, session, name):
    content = ("证件号码,姓名,源记录编号,决定日期,行政处罚决定书文号,违法行为类型,违法事实,处罚类别,处罚依据,处罚机关\n"
               f"{cid(52)},李四,CSV-1,2026-03-01,罚〔2026〕1号,超范围经营,属实,警告,《行政处罚法》,市监局\n").encode()
    res = client.post("/api/v1/records/uploads", headers=DEPT, data={"item_code": "XZCF-01"},
                      files={"file": (name, content, "text/csv")})
    assert res.status_code == 201, res.text
    stored = session.get(Batch, res.json()["batch_id"])
    assert stored is not None
    assert "/" not in stored.filename and "\\" not in stored.filename and len(stored.filename) <= 255
