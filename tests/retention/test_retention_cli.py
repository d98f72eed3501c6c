"""`chengxin retention purge [--dry-run] | report` on a database of its own, and `chengxin audit verify`
still green after the purge (the real commands)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.cli import app
from chengxin.clock import today, utcnow
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.matters.models import Matter
from chengxin.records.models import Record
from chengxin.settings import get_settings

runner = CliRunner()
CHECKER = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id="01JDCHECKER000000000000000")
KEY = "ab" * 16
OLD, NEW = "01JRETENTIONOLD00000000000", "01JRETENTIONNEW00000000000"
OLD_DAY = today() - timedelta(days=6 * 366)


def seed() -> None:
    """Two penalties of one person, decided six years ago (past five) and one year ago, and reads of them."""
    engine = make_engine(get_settings().resolved_database_url)
    now = utcnow()
    with unit_of_work(make_sessionmaker(engine)) as session:
        for mid, decided in ((OLD, OLD_DAY), (NEW, today() - timedelta(days=365))):
            session.add(Record(subject_key=KEY, id=mid, subject_kind="person", department_code="market_regulation",
                               source_record_id=f"SRC-{mid[12:15]}", version=1, item_code="XZCF-01",
                               catalog_version="2026", nature="negative", severity="general", decision_date=decided,
                               data={"violation": "无证经营"}, content_hash="0" * 32, batch_id=mid, recorded_at=now,
                               matter_id=mid))
            session.add(Matter(subject_key=KEY, id=mid, subject_kind="person", origin="record",
                               department_code="market_regulation", source_record_id=f"SRC-{mid[12:15]}", record_id=mid,
                               item_code="XZCF-01", nature="negative", severity="general", start_date=decided,
                               created_at=now, updated_at=now))
        log_reads(session, CHECKER, "check", [Read(KEY, "review", OLD), Read(KEY, "review", NEW)], purpose="资格审查")
    engine.dispose()


def matters() -> list[str]:
    engine = make_engine(get_settings().resolved_database_url)
    with engine.connect() as conn:
        found = sorted(conn.execute(select(Matter.id)).scalars())
        assert conn.execute(select(func.count()).select_from(Record)).scalar() == len(found)
    engine.dispose()
    return found


def test_purge_from_the_command_line_keeps_audit_verify_green(data_dir: Path):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    seed()
    assert runner.invoke(app, ["audit", "seal"]).exit_code == 0
    assert "尚未执行过到期删除" in runner.invoke(app, ["retention", "report"]).output

    dry = runner.invoke(app, ["retention", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "试运行" in dry.output and "应删除事项 1 件" in dry.output, dry.output
    assert matters() == sorted([OLD, NEW])

    done = runner.invoke(app, ["retention", "purge"])
    assert done.exit_code == 0, done.output
    assert "已删除事项 1 件（信用记录 1 个版本）" in done.output, done.output
    assert "行政处罚信息：保存期满 1 件" in done.output and f"最早 {OLD_DAY.isoformat()}" in done.output
    assert matters() == [NEW]

    assert runner.invoke(app, ["audit", "seal"]).exit_code == 0
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "校验通过" in ok.output, ok.output
    report = runner.invoke(app, ["retention", "report"])
    assert "【已完成】" in report.output and "已删除事项 1 件" in report.output, report.output
