"""A file costs what it is worth: columns, cells, lines and XLSX parts are bounded and a file past
a bound is refused where it passes it; issue rows are bounded per code."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import func, select
from test_uploads import HEADERS, count, csv_bytes, row, upload, xlsx_bytes

from chengxin.records import files
from chengxin.records.models import Batch, BatchIssue


def issue_rows(session, batch_id: str) -> int:
    return session.scalar(select(func.count()).select_from(BatchIssue).where(BatchIssue.batch_id == batch_id))


def test_a_40000_column_file_is_refused_at_its_header(client, session):
    headers = HEADERS + [f"列{i}" for i in range(40_000)]
    res = upload(client, csv_bytes([row(1) + [""] * 40_000], headers=headers))
    assert res.status_code == 422 and res.json()["code"] == "FILE_TOO_MANY_COLUMNS"
    assert "表头有 40011 列" in res.json()["detail"]
    assert res.json()["batch_status"] == "rejected" and issue_rows(session, res.json()["batch_id"]) == 0


def test_a_row_wider_than_the_header_stops_the_file_there(client, app, session):
    app.state.settings.import_chunk_rows = 2
    wide = row(3) + ["x"] * files.MAX_COLUMNS
    res = upload(client, csv_bytes([row(1), row(2), wide, row(4)]))
    assert res.status_code == 422 and res.json()["code"] == "FILE_TOO_MANY_COLUMNS"
    assert "第 4 行" in res.json()["detail"] and res.json()["rows_through"] == 3


def test_unknown_columns_cost_a_bounded_number_of_issue_rows(client, app, session):
    app.state.settings.max_issues_per_code = 50
    extra = [f"备注{i}" for i in range(200)]
    res = upload(client, csv_bytes([row(1) + ["x"] * 200, row(2) + ["y"] * 200], headers=HEADERS + extra))
    body = res.json()
    assert res.status_code == 201 and body["rejected"] == 2
    assert body["issue_counts"] == {"RECORD_FIELD_UNKNOWN": 400} and body["issues_truncated"]
    assert issue_rows(session, body["batch_id"]) == 50


def test_a_cell_longer_than_excel_allows_stops_the_file_at_its_row(client, session):
    before = count(session)
    res = upload(client, csv_bytes([row(1), row(2, 违法事实="经" * (files.CELL_MAX_CHARS + 1))]))
    assert res.status_code == 422 and res.json()["code"] == "FILE_CELL_TOO_LARGE"
    assert "第 3 行" in res.json()["detail"]
    assert count(session) == before  # the row before it was in the same, uncommitted chunk


def test_an_endless_line_is_refused_before_it_is_read_whole(client, monkeypatch):
    monkeypatch.setattr(files, "LINE_MAX_CHARS", 10_000)
    content = csv_bytes([row(1)]) + b"," * 50_000 + b"\r\n"
    res = upload(client, content)
    assert res.status_code == 422 and res.json()["code"] == "FILE_LINE_TOO_LONG"
    assert "第 3 行" in res.json()["detail"]


def _long_cell(chars: int) -> bytes:
    """An XLSX file whose second row holds a cell of `chars` characters (openpyxl itself cuts a
    cell at Excel's limit when it writes, so the sheet is edited afterwards)."""
    content = xlsx_bytes(HEADERS, [row(1, 违法事实="MARKER")])
    return _replace_part(content, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"MARKER", b"x" * chars))


def test_an_xlsx_cell_past_the_limit_is_refused(client):
    res = upload(client, _long_cell(files.CELL_MAX_CHARS + 1), name="长.xlsx")
    assert res.status_code == 422 and res.json()["code"] == "FILE_CELL_TOO_LARGE" and "第 2 行" in res.json()["detail"]


def test_a_huge_xlsx_text_is_refused_before_openpyxl_reads_it(client, monkeypatch):
    def never(*_args, **_kwargs):
        raise AssertionError("openpyxl was asked to read the workbook")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    res = upload(client, _long_cell(300_000), name="巨.xlsx")
    assert res.status_code == 422 and res.json()["code"] == "FILE_CELL_TOO_LARGE"


def _with_part(content: bytes, name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr(name, data)
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_by_its_directory(client, monkeypatch):
    monkeypatch.setattr(files, "XLSX_MAX_OTHER_PART", 1 << 20)
    bomb = _with_part(xlsx_bytes(HEADERS, [row(1)]), "xl/theme/bomb.xml", b"\0" * (2 << 20))
    res = upload(client, bomb, name="炸弹.xlsx")
    assert res.status_code == 422 and res.json()["code"] == "FILE_XLSX_TOO_LARGE"


def _replace_part(content: bytes, name: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            dst.writestr(info, change(data) if info.filename == name else data)
    return out.getvalue()


def test_a_declared_sheet_dimension_is_not_trusted(client):
    content = xlsx_bytes(HEADERS, [row(1), row(2)])
    claimed = _replace_part(content, "xl/worksheets/sheet1.xml",
                            lambda xml: re.sub(rb'<dimension ref="A1:K3"\s*/>', b'<dimension ref="A1:XFD1048576"/>',
                                               xml))
    assert claimed != content
    res = upload(client, claimed, name="宣称.xlsx")
    assert res.status_code == 201, res.text
    assert (res.json()["created"], res.json()["rows_through"]) == (2, 3)


def test_a_sheet_broken_part_way_is_a_file_error_not_a_500(client, session):
    content = xlsx_bytes(HEADERS, [row(n) for n in range(1, 40)])
    broken = _replace_part(content, "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) * 2 // 3])
    res = upload(client, broken, name="坏.xlsx")
    assert res.status_code == 422 and res.json()["code"] == "FILE_XLSX_MALFORMED"
    batch = session.get(Batch, res.json()["batch_id"])
    assert batch.status in ("rejected", "failed") and batch.error_code == "FILE_XLSX_MALFORMED"


def test_a_json_record_with_too_many_fields_is_one_issue(client, session):
    from helpers import penalty, submit

    wide = penalty(1, **{f"x{i}": "v" for i in range(files.MAX_COLUMNS)})
    body = submit(client, [wide, penalty(2)]).json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert [i["code"] for i in body["issues"]] == ["RECORD_TOO_MANY_FIELDS"]
