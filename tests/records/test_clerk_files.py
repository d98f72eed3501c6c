"""The clerk's files: a template per item that the importer takes back as filled, a row report with
the row's own labels, source record numbers and values, refused rows kept sealed for a while and
downloadable in the template's format, file-level errors kept on the upload page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from chengxin.catalog.rules import default_catalog
from chengxin.jobs import run_once
from chengxin.records import template
from chengxin.records.models import BatchIssue, RejectedRow
from helpers import DEPT, as_dept, cid, with_csrf

TAX = as_dept("tax")


def upload(client, name: str, body: bytes, item: str = "XZCF-01", headers=DEPT):
    return client.post("/dept/uploads", headers=with_csrf(headers), data={"item_code": item},
                       files={"file": (name, body, "application/octet-stream")}, follow_redirects=False)


def filled(item_code: str, rows: list[dict[str, str]]) -> list[list[str]]:
    """Rows under the template's headers (by label), the rest of the example row kept."""
    item = default_catalog().item(item_code)
    header = template.headers(item)
    example = dict(zip(header, template.example_row(item), strict=True))
    return [[{**example, **row}.get(h, "") for h in header] for row in rows]


def penalty(n: int, **changes: str) -> dict[str, str]:
    return {"证件号码": cid(n), "姓名": "王五", "源记录编号": f"CLERK-{n:04d}", "决定日期": "2026-03-01",
            "处罚类别": "罚款", **changes}


def test_the_item_page_lists_every_column_in_chinese_with_type_required_and_values(client):
    page = client.get("/catalog/items/XZCF-01").text
    for label in ("目录项编码", "证件号码", "姓名", "源记录编号", "决定日期", "统一社会信用代码", "罚款金额（万元）",
                  "处罚类别"):
        assert f"{label}" in page
    assert "警告、通报批评、罚款" in page and "公共列" in page and "自然人必填" in page
    for english in ("decision_no", "fine_amount", "penalty_type", "<code>source_record_id"):
        assert english not in page
    assert 'href="/catalog/items/XZCF-01/template.xlsx"' in page


def test_the_csv_template_filled_in_is_accepted_and_its_example_row_never_stored(client, session):
    res = client.get("/catalog/items/XZCF-01/template.csv")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    text = res.content.decode("utf-8-sig")
    header, example = list(csv.reader(io.StringIO(text)))
    assert header[:8] == ["目录项编码", "证件类型", "证件号码", "姓名", "统一社会信用代码", "主体名称", "源记录编号",
                          "决定日期"]
    assert example[header.index("源记录编号")] == template.EXAMPLE_SOURCE_ID
    # Sent back untouched: the example is refused, with a plain reason, and nothing is stored.
    back = upload(client, "模板.csv", res.content)
    page = client.get(back.headers["location"], headers=DEPT).text
    assert "这是模板中的示例行" in page and "全部 0 行" not in page
    # Filled: the example row replaced by real rows.
    body = template.csv_bytes(header, filled("XZCF-01", [penalty(1), penalty(2)]))
    res = upload(client, "处罚.csv", body)
    page = client.get(res.headers["location"], headers=DEPT).text
    assert "全部 2 行校验通过" in page and "报送下一个文件" in page and "改正后重新上传" not in page


def test_the_xlsx_template_has_validation_and_filled_in_is_accepted(client):
    res = client.get("/catalog/items/SFCP-01/template.xlsx")
    assert res.status_code == 200
    book = load_workbook(io.BytesIO(res.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["目录项编码", "证件类型", "证件号码", "姓名"]
    kinds = {(dv.type, str(dv.sqref).split(":")[0]) for dv in sheet.data_validations.dataValidation}
    col = {h: chr(ord("A") + i) for i, h in enumerate(header)}
    assert ("list", f"{col['被执行人的履行情况']}2") in kinds  # an enumeration: a drop-down
    assert ("date", f"{col['决定日期']}2") in kinds and ("date", f"{col['失信期限届满日']}2") in kinds
    assert book["选项"].sheet_state == "hidden" and "填写说明" in book.sheetnames
    # Fill it as a clerk would: overwrite the example row, add a second row, save, upload.
    court = as_dept("court")
    rows = [{"证件号码": cid(11), "姓名": "赵六", "源记录编号": "ZX-0011", "决定日期": "2026-02-01",
             "执行案号": "（2026）示执 11 号", "执行法院": "示范市人民法院"},
            {"证件号码": cid(12), "姓名": "钱七", "源记录编号": "ZX-0012", "决定日期": "2026-02-02",
             "执行案号": "（2026）示执 12 号", "执行法院": "示范市人民法院"}]
    for r, values in enumerate(filled("SFCP-01", rows), 2):
        for c, value in enumerate(values, 1):
            sheet.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    res = upload(client, "失信被执行人.xlsx", out.getvalue(), item="SFCP-01", headers=court)
    page = client.get(res.headers["location"], headers=court).text
    assert "全部 2 行校验通过" in page, page


def test_the_row_report_labels_each_row_by_its_own_item_with_its_number_and_value(client, session):
    # One file, two items sharing the field name fine_amount under different labels.
    header = ["目录项编码", "证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "当场处罚决定书编号",
              "违法行为类型", "违法事实", "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）", "罚款金额（元）"]
    base = {"证件号码": cid(21), "姓名": "孙八", "决定日期": "2026-03-01", "违法行为类型": "超范围经营",
            "违法事实": "经查属实", "处罚依据": "某法", "处罚机关": "某局", "处罚类别": "罚款"}
    rows = [{**base, "目录项编码": "XZCF-01", "源记录编号": "MIX-1", "行政处罚决定书文号": "甲",
             "罚款金额（万元）": "五万"},
            {**base, "目录项编码": "XZCF-02", "源记录编号": "MIX-2", "当场处罚决定书编号": "乙",
             "罚款金额（元）": "两百"}]
    body = template.csv_bytes(header, [[r.get(h, "") for h in header] for r in rows])
    res = upload(client, "混合.csv", body, item="")
    page = client.get(res.headers["location"], headers=DEPT).text
    first, second = page.index("MIX-1"), page.index("MIX-2")
    assert "罚款金额（万元）" in page[first:second] and "罚款金额（元）" not in page[first:second]
    assert "罚款金额（元）" in page[second:] and "罚款金额（万元）" not in page[second:]
    assert "五万" in page and "两百" in page
    labels = dict(session.execute(select(BatchIssue.source_record_id, BatchIssue.label)).all())
    assert labels == {"MIX-1": "罚款金额（万元）", "MIX-2": "罚款金额（元）"}


def test_refused_rows_download_fix_and_send_again_kept_sealed_and_for_a_while(client, session, keys, clock):
    bad_id = "110105194912310020"  # a wrong check digit
    rows = filled("XZCF-01", [penalty(31), penalty(32, 证件号码=bad_id), penalty(33, 处罚类别="打板子"),
                              penalty(34, 决定日期="2026-13-45")])
    header = template.headers(default_catalog().item("XZCF-01"))
    res = upload(client, "处罚.csv", template.csv_bytes(header, rows))
    batch_url = res.headers["location"].split("?")[0]
    page = client.get(batch_url, headers=DEPT).text
    assert "3 行未通过校验" in page
    for sid in ("CLERK-0032", "CLERK-0033", "CLERK-0034"):
        assert sid in page
    assert "打板子" in page and "2026-13-45" in page
    labels = dict(session.execute(select(BatchIssue.source_record_id, BatchIssue.label)).all())
    assert labels == {"CLERK-0032": "证件号码", "CLERK-0033": "处罚类别", "CLERK-0034": "决定日期"}
    assert bad_id not in page and "1101**********0020" in page  # ID numbers masked on screen
    # Stored: never the plain number, only ciphertext bound to the row.
    kept = session.scalars(select(RejectedRow)).all()
    assert len(kept) == 3 and all(bad_id.encode() not in bytes(r.content_cipher) for r in kept)
    # The download: the template's columns plus the row number and the reason, every refused row.
    res = client.get(f"{batch_url}/rejected.csv", headers=DEPT)
    assert res.status_code == 200 and res.headers["cache-control"] == "no-store"
    got = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert [r["源记录编号"] for r in got] == ["CLERK-0032", "CLERK-0033", "CLERK-0034"]
    assert got[0]["证件号码"] == bad_id and "校验" in got[0]["原因"] and got[1]["原文件行号"] == "4"
    assert list(got[0])[:len(header)] == header
    xlsx = client.get(f"{batch_url}/rejected.xlsx", headers=DEPT)
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[1]][-2:] == ["原文件行号", "原因"] and sheet.max_row == 4
    # Fixed in the downloaded file and sent again as it is (its reason column and all): accepted.
    got[0]["证件号码"], got[1]["处罚类别"], got[2]["决定日期"] = cid(32), "罚款", "2026-03-01"
    again = template.csv_bytes(list(got[0]), [list(r.values()) for r in got])
    res = upload(client, "被拒收的行-改正.csv", again)
    assert "全部 3 行校验通过" in client.get(res.headers["location"], headers=DEPT).text
    # Another department sees neither the report nor the rows.
    assert client.get(batch_url, headers=TAX).status_code == 404
    assert client.get(f"{batch_url}/rejected.csv", headers=TAX).status_code == 404
    # Kept only for CHENGXIN_REJECTED_ROWS_DAYS: the jobs delete them, the page says so.
    days = client.app.state.settings.rejected_rows_days
    clock.advance(timedelta(days=days, minutes=1))
    assert run_once(client.app.state.sessionmaker, keys, settings=client.app.state.settings).rejected_rows_deleted == 3
    assert session.scalar(select(func.count()).select_from(RejectedRow)) == 0
    assert client.get(f"{batch_url}/rejected.csv", headers=DEPT).status_code == 404


def test_file_level_errors_stay_on_the_upload_page_with_the_choice_kept(client):
    cases = {
        "没有信息项.csv": ("\ufeff证件号码\r\n1\r\n".encode(), "", "请指定信息项"),
        "空文件.csv": (b"", "XZCF-01", "文件为空"),
        "编码.csv": ("证件号码,姓名\n".encode("utf-16"), "XZCF-01", "编码"),
    }
    for name, (body, item, words) in cases.items():
        res = upload(client, name, body, item=item)
        assert res.status_code == 200, (name, res.status_code)
        assert "请修改以下内容后重新提交" in res.text and words in res.text, name
        assert '<h1>报送文件</h1>' in res.text and 'name="file"' in res.text
        if item:
            assert f'<option value="{item}" selected>' in res.text


def test_refused_rows_move_to_a_new_key_with_the_others(client, session, factory):
    from chengxin.crypto import Keys
    from chengxin.keyring import service as keyring
    from chengxin.records import rejects

    header = template.headers(default_catalog().item("XZCF-01"))
    upload(client, "处罚.csv", template.csv_bytes(header, filled("XZCF-01", [penalty(41, 处罚类别="打板子")])))
    session.commit()
    old = client.app.state.keys
    new = Keys(old.hash_secret, b"n" * 32, old.key_id + 1, old_keys=((old.key_id, old.encryption_key),))
    assert keyring.reencrypt(factory, new, batch=10)["rejected_rows.content_cipher"] == 1
    row = session.scalars(select(RejectedRow)).one()
    session.refresh(row)
    assert row.content_cipher[0] == new.key_id
    assert rejects.opened(new, row.id, row.row, row.item_code, row.content_cipher).values["penalty_type"] == "打板子"


def test_a_warning_on_a_kept_row_names_its_source_record_and_label(client, session):
    header = template.headers(default_catalog().item("XZCF-01"))
    rows = filled("XZCF-01", [penalty(51), penalty(52, 证件号码=cid(52, county="110199"))])
    res = upload(client, "处罚.csv", template.csv_bytes(header, rows))
    page = client.get(res.headers["location"], headers=DEPT).text
    assert "全部 2 行校验通过" in page and "CLERK-0052" in page
    issue = session.scalars(select(BatchIssue)).one()
    assert (issue.level, issue.label, issue.source_record_id) == ("warning", "证件号码", "CLERK-0052")
