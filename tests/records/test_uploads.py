"""File collection: CSV in UTF-8 and GB18030, XLSX, bad files, interrupted imports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from chengxin.catalog.rules import default_catalog
from chengxin.records import service
from chengxin.records.imports import ImportSpec, run_import
from chengxin.records.models import Batch, Record
from chengxin.records.rules import ENVELOPE_BY_HEADER
from helpers import DEPT, cid, submit

HEADERS = ["证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）"]


def row(n: int, **changes: str) -> list[str]:
    values = {"证件号码": cid(n), "姓名": "李四", "源记录编号": f"CSV-{n:05d}",
              "决定日期": "2026-03-01", "行政处罚决定书文号": f"市监罚〔2026〕{n}号",
              "违法行为类型": "超范围经营", "违法事实": "经查属实。", "处罚类别": "警告",
              "处罚依据": "《中华人民共和国行政处罚法》", "处罚机关": "市市场监督管理局",
              "罚款金额（万元）": ""}
    values.update(changes)
    return [values[h] for h in HEADERS]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", headers: list[str] = HEADERS) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(client, content: bytes, name: str = "处罚.csv", item: str | None = "XZCF-01"):
    data = {"item_code": item} if item else {}
    return client.post("/api/v1/records/uploads", headers=DEPT, data=data,
                       files={"file": (name, content, "application/octet-stream")})


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Record))


def test_utf8_csv_with_chinese_headers_is_collected_row_by_row(client, session):
    before = count(session)
    res = upload(client, csv_bytes([row(1), row(2, 证件号码="110105194912310020"),
                                    row(3, 处罚类别="打板子")]))
    assert res.status_code == 201, res.text
    body = res.json()
    assert (body["channel"], body["total"], body["created"], body["rejected"]) == ("csv", 3, 1, 2)
    assert {(i["row"], i["code"]) for i in body["issues"]} == {
        (3, "ID_CHECKSUM"), (4, "FIELD_VALUE_NOT_ALLOWED")}
    assert count(session) == before + 1


def test_gb18030_csv_is_read_and_same_content_is_unchanged(client):
    first = upload(client, csv_bytes([row(1), row(2)], "utf-8")).json()
    assert first["created"] == 2
    again = upload(client, csv_bytes([row(1), row(2)], "gb18030")).json()
    assert (again["created"], again["unchanged"], again["rejected"]) == (0, 2, 0)


def test_utf8_with_bom_is_read(client):
    body = upload(client, b"\xef\xbb\xbf" + csv_bytes([row(1)])).json()
    assert body["created"] == 1


@pytest.mark.parametrize("content", [
    csv_bytes([["x"]], "utf-16"),
    b"\x80\xff\xfe\x81" * 100,
])
def test_unknown_encoding_is_refused_whole(client, session, content):
    before = count(session)
    res = upload(client, content)
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == "FILE_ENCODING_UNKNOWN"
    assert count(session) == before


def test_big5_text_decodes_to_unrecognised_headers(client):
    content = "證件號碼,姓名\r\n110105198506150030,陳大文\r\n".encode("big5")
    res = upload(client, content)
    assert res.status_code == 422
    assert res.json()["code"] == "FILE_HEADER_UNRECOGNISED"


def xlsx_bytes(headers: list[str], rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_is_collected(client):
    res = upload(client, xlsx_bytes(HEADERS, [row(1), row(2)]), name="处罚.xlsx")
    assert res.status_code == 201, res.text
    assert (res.json()["channel"], res.json()["created"]) == ("xlsx", 2)


AMOUNT = "罚款金额（万元）"


def as_json(values: list[object]) -> dict[str, object]:
    """A CSV row as a JSON batch row: the same record, fields by their names."""
    item = default_catalog().item("XZCF-01")
    names = [ENVELOPE_BY_HEADER.get(h) or item.by_label[h].name for h in HEADERS]
    return {"item_code": "XZCF-01", **dict(zip(names, values, strict=True))}


def test_the_same_amount_in_any_form_and_channel_is_one_version(client, session):
    # 7.10 in a CSV, 7.1 typed into a spreadsheet's number cell, a JSON number and JSON text with
    # another number of zeros: one amount, so the record is unchanged, whichever comes first.
    first = upload(client, csv_bytes([row(61, **{AMOUNT: "7.10"})])).json()
    assert first["created"] == 1, first
    number_cell = row(61)
    number_cell[HEADERS.index(AMOUNT)] = 7.1
    again = [upload(client, xlsx_bytes(HEADERS, [number_cell]), name="处罚.xlsx").json(),
             upload(client, csv_bytes([row(61, **{AMOUNT: "7.1"})])).json()]
    for amount in (7.1, "7.100", "7.1", 7.10):
        values = row(61)
        values[HEADERS.index(AMOUNT)] = amount
        again.append(submit(client, [as_json(values)]).json())
    assert [(b["created"], b["new_versions"], b["unchanged"]) for b in again] == [(0, 0, 1)] * 6, again
    versions = session.scalars(select(Record).where(Record.source_record_id == "CSV-00061")).all()
    assert [(r.version, r.data["fine_amount"]) for r in versions] == [(1, "7.1")]
    # A different amount is still a new version.
    changed = upload(client, csv_bytes([row(61, **{AMOUNT: "7.01"})])).json()
    assert changed["new_versions"] == 1


def test_xlsx_with_a_missing_column_is_refused_before_any_row(client, session):
    headers = [h for h in HEADERS if h != "处罚类别"]
    rows = [[v for h, v in zip(HEADERS, row(1), strict=True) if h != "处罚类别"]]
    before = count(session)
    res = upload(client, xlsx_bytes(headers, rows), name="缺列.xlsx")
    assert res.status_code == 422
    assert res.json()["code"] == "FILE_COLUMN_MISSING" and "处罚类别" in res.json()["detail"]
    assert count(session) == before


def test_corrupt_xlsx_and_wrong_type_are_refused(client):
    res = upload(client, b"PK\x03\x04not really a zip", name="坏.xlsx")
    assert res.status_code == 422 and res.json()["code"] == "FILE_XLSX_MALFORMED"
    res = upload(client, b"%PDF-1.4", name="x.pdf")
    assert res.status_code == 422 and res.json()["code"] == "FILE_TYPE_UNSUPPORTED"


def test_path_tricks_in_the_upload_name_are_flattened(client, session):
    body = upload(client, csv_bytes([row(1)]), name="../../etc/passwd.csv").json()
    assert body["filename"] == "passwd.csv"
    batch = session.get(Batch, body["batch_id"])
    assert batch is not None and "/" not in (batch.filename or "")


def test_upload_over_the_limit_is_refused(client, app, session):
    app.state.settings.max_upload_bytes = 100
    before = count(session)
    res = upload(client, csv_bytes([row(n) for n in range(1, 20)]))
    assert res.status_code == 413 and res.json()["code"] == "FILE_TOO_LARGE"
    assert count(session) == before


def test_announced_oversized_body_is_refused_before_reading(client, app):
    app.state.settings.max_upload_bytes = 100
    res = upload(client, csv_bytes([row(n) for n in range(1, 2000)]))
    assert res.status_code == 413 and res.json()["code"] == "FILE_TOO_LARGE"


def test_item_column_lets_one_file_carry_several_items(client):
    headers = ["目录项编码", *HEADERS]
    rows = [["XZCF-01", *row(1)], ["NOPE-1", *row(2)]]
    body = upload(client, csv_bytes(rows, headers=headers), item=None).json()
    assert body["created"] == 1
    assert [i["code"] for i in body["issues"]] == ["RECORD_ITEM_UNKNOWN"]


def test_interrupted_import_reruns_without_duplicates(factory, catalog, keys, session,
                                                      monkeypatch, tmp_path: Path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 26)], "gb18030"))
    spec = ImportSpec("market_regulation", path.name, "XZCF-01", chunk_rows=10)
    real_add = service.Collector.add_chunk
    calls = {"n": 0}

    def crash_on_second_chunk(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed mid-import")
        return real_add(self, rows)

    before = count(session)
    monkeypatch.setattr(service.Collector, "add_chunk", crash_on_second_chunk)
    with pytest.raises(KeyboardInterrupt), path.open("rb") as fh:
        run_import(factory, catalog, keys, fh, spec)
    assert count(session) == before + 10
    failed = session.scalars(select(Batch).where(Batch.filename == "big.csv")).one()
    assert (failed.status, failed.rows_through, failed.total) == ("interrupted", 11, 10)

    monkeypatch.setattr(service.Collector, "add_chunk", real_add)
    with path.open("rb") as fh:
        batch = run_import(factory, catalog, keys, fh, spec)
    assert (batch.total, batch.unchanged, batch.created) == (25, 10, 15)
    assert count(session) == before + 25
