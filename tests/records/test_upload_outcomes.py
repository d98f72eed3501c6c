"""Uploads are never half-told: every answer names the batch and what landed, chunk by chunk;
a re-upload resumes without duplicates; a batch whose process died is marked interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from test_uploads import HEADERS, count, csv_bytes, row, upload
from typer.testing import CliRunner

from chengxin.cli import app as cli
from chengxin.jobs import run_once
from chengxin.records import service
from chengxin.records.models import Batch, BatchIssue, Record
from chengxin.settings import get_settings
from helpers import DEPT, process_env, write_csv


def broken_at(rows: int, bad: int) -> bytes:
    """A CSV file of `rows` valid rows whose file row `bad` (the header is row 1) holds bytes that
    are neither UTF-8 nor GB18030."""
    lines = csv_bytes([row(n) for n in range(1, rows + 1)]).split(b"\r\n")
    lines[bad - 1] = lines[bad - 1].replace("李四".encode(), b"\xff\xff")
    return b"\r\n".join(lines)


def test_a_file_broken_part_way_answers_the_batch_and_what_landed(client, app, session):
    # Past the first 256 KiB (from which the encoding is told), as in a real export.
    app.state.settings.import_chunk_rows = 500
    before = count(session)
    res = upload(client, broken_at(2000, bad=1900))
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")
    problem = res.json()
    assert problem["code"] == "FILE_ENCODING_ERROR"
    assert "第 1900 行" in problem["detail"]  # the row itself, not a read-ahead block before it
    # Three chunks (file rows 2-1501) were committed; the fourth went with the bad bytes.
    assert problem["batch_status"] == "failed" and problem["rows_through"] == 1501
    assert problem["landed"] == {"total": 1500, "created": 1500, "new_versions": 0, "unchanged": 0, "rejected": 0}
    assert count(session) == before + 1500
    receipt = client.get(f"/api/v1/records/batches/{problem['batch_id']}", headers=DEPT).json()
    assert (receipt["status"], receipt["rows_through"], receipt["created"]) == ("failed", 1501, 1500)
    assert receipt["stopped"]["code"] == "FILE_ENCODING_ERROR" and receipt["finished_at"]

    # The corrected file resumes: what landed is unchanged, the rest is added, nothing twice.
    fixed = upload(client, csv_bytes([row(n) for n in range(1, 2001)]))
    assert fixed.status_code == 201, fixed.text
    body = fixed.json()
    assert (body["status"], body["unchanged"], body["created"], body["rows_through"]) == ("done", 1500, 500, 2001)
    assert count(session) == before + 2000


def test_a_file_refused_at_its_header_still_has_a_receipt(client, session):
    before = count(session)
    res = upload(client, csv_bytes([row(1)], headers=[h for h in HEADERS if h != "处罚类别"]))
    assert res.status_code == 422 and res.json()["code"] == "FILE_COLUMN_MISSING"
    problem = res.json()
    assert problem["batch_status"] == "rejected" and problem["rows_through"] is None
    assert problem["landed"]["total"] == 0 and "未入库任何行" in problem["detail"]
    batch = session.get(Batch, problem["batch_id"])
    assert (batch.status, batch.error_code, batch.owner) == ("rejected", "FILE_COLUMN_MISSING", None)
    assert count(session) == before


def test_the_page_shows_where_an_upload_stopped(client, app):
    from helpers import with_csrf

    app.state.settings.import_chunk_rows = 500
    res = client.post("/dept/uploads", headers=with_csrf(DEPT), data={"item_code": "XZCF-01"},
                      files={"file": ("处罚.csv", broken_at(2000, bad=1900), "text/csv")}, follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"].startswith("/dept/batches/")
    page = client.get(res.headers["location"], headers=DEPT)
    assert page.status_code == 200
    text_ = "".join(page.text.split())
    assert "报送未完成" in text_ and "第1900行有无法解码的字节" in text_
    assert "第1501行及以前已处理" in text_ and "中途停止（部分已入库）" in text_


def test_issue_rows_are_kept_per_code_and_all_counted(client, app, session):
    app.state.settings.max_issues_per_code = 3
    bad = [row(n, 证件号码="110105194912310020") for n in range(1, 9)]
    bad += [row(n, 处罚类别="打板子") for n in range(9, 11)]
    body = upload(client, csv_bytes(bad)).json()
    assert body["rejected"] == 10 and body["issues_truncated"]
    assert body["issue_counts"] == {"ID_CHECKSUM": 8, "FIELD_VALUE_NOT_ALLOWED": 2}
    assert [(i["row"], i["code"]) for i in body["issues"]] == [
        (2, "ID_CHECKSUM"), (3, "ID_CHECKSUM"), (4, "ID_CHECKSUM"), (10, "FIELD_VALUE_NOT_ALLOWED"),
        (11, "FIELD_VALUE_NOT_ALLOWED")]
    stored = session.scalar(select(func.count()).select_from(BatchIssue).where(BatchIssue.batch_id == body["batch_id"]))
    assert stored == 5


def _running(session, **values) -> Batch:
    batch = service.open_batch(session, "market_regulation", "csv", "running.csv")
    for name, value in values.items():
        setattr(batch, name, value)
    session.flush()
    return batch


def test_a_batch_whose_process_is_gone_is_interrupted_at_start_up(app, session, factory):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = service.this_process().rsplit(":", 2)[0] + f":{dead.pid}:"
    orphan = _running(session, owner=owner, rows_through=5001, total=5000, created=5000)
    alive = _running(session)  # this very process: still importing
    session.commit()
    with TestClient(app):  # the server starting
        pass
    session.expire_all()
    assert (orphan.status, orphan.error_code, orphan.rows_through, orphan.created) == (
        "interrupted", "IMPORT_INTERRUPTED", 5001, 5000)
    assert orphan.finished_at is not None and orphan.owner is None
    assert alive.status == "running"


def test_a_batch_silent_past_its_lease_is_interrupted_by_the_jobs(session, factory, keys, settings, clock):
    elsewhere = _running(session, owner="another-host:4242:99", rows_through=11, total=10, created=10)
    session.commit()
    assert run_once(factory, keys, settings=settings).imports_interrupted == 0
    session.expire_all()
    assert elsewhere.status == "running"  # another machine's import, alive as far as anyone knows
    clock.advance(timedelta(seconds=settings.import_lease_seconds + 1))
    assert run_once(factory, keys, settings=settings).imports_interrupted == 1
    session.expire_all()
    assert (elsewhere.status, elsewhere.rows_through, elsewhere.total) == ("interrupted", 11, 10)


def test_kill_9_during_an_import_leaves_a_batch_the_server_marks_interrupted(data_dir: Path):
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(cli, ["keys", "init"]).exit_code == 0
    path = write_csv(data_dir / "big.csv", HEADERS, [row(n) for n in range(1, 20_001)])
    proc = subprocess.Popen(
        [sys.executable, "-c", "from chengxin.cli import app; app()", "import", str(path),
         "--department", "market_regulation", "--item", "XZCF-01", "--chunk", "10"],
        env=process_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = create_engine(get_settings().resolved_database_url)
    try:
        deadline = time.monotonic() + 60
        landed = None
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as conn:
                landed = conn.execute(text("SELECT rows_through FROM batches")).scalar()
            if landed:
                break
            time.sleep(0.02)
        assert landed, "the first chunk never landed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        with engine.connect() as conn:
            status, rows_through, total = conn.execute(text("SELECT status, rows_through, total FROM batches")).one()
            stored = conn.execute(text("SELECT count(*) FROM records")).scalar_one()
        assert status == "running" and total == stored < 20_000  # killed mid-import

        from chengxin.app import create_app
        from chengxin.crypto import load_keys

        settings = get_settings()
        with TestClient(create_app(settings, keys=load_keys(settings))):  # the server (re)starts
            pass
        with engine.connect() as conn:
            after = conn.execute(text("SELECT status, rows_through, total, error_code FROM batches")).one()
        assert tuple(after) == ("interrupted", rows_through, stored, "IMPORT_INTERRUPTED")
        assert rows_through == stored + 1  # the header, then every row up to it stored
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        engine.dispose()


def test_json_batches_are_all_or_nothing_and_say_so(client, session):
    from helpers import penalty, submit

    body = submit(client, [penalty(1), penalty(2)]).json()
    assert (body["status"], body["rows_through"], body["stopped"]) == ("done", 2, None)
    unit = session.get(Batch, body["batch_id"])
    assert unit.owner is None and unit.issue_counts == {}
    assert session.scalar(select(func.count()).select_from(Record).where(Record.batch_id == unit.id)) == 2
