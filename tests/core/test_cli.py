"""The command line: db upgrade, demo --no-serve, import with a report."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from chengxin.cli import app
from chengxin.clock import today
from chengxin.settings import get_settings
from helpers import cid, days_ago

runner = CliRunner()


def cli_engine():
    return create_engine(get_settings().resolved_database_url)


def test_demo_builds_a_consistent_synthetic_database(data_dir: Path):
    res = runner.invoke(app, ["demo", "--persons", "300", "--no-serve"])
    assert res.exit_code == 0, res.output
    said = "".join(res.output.split())  # rich wraps lines at the terminal width
    assert "异议3件" in said and "举报2件" in said  # the case pages have something to show
    assert (data_dir / "keys.json").stat().st_mode & 0o777 == 0o600
    adult_cutoff = today() - timedelta(days=int(18 * 365.25))
    engine = cli_engine()
    with engine.connect() as conn:
        persons = conn.execute(text("SELECT count(*) FROM persons")).scalar_one()
        negative = conn.execute(text(
            "SELECT count(DISTINCT subject_key) FROM records WHERE nature = 'negative' "
            "AND subject_kind = 'person'")).scalar_one()
        minors_negative = conn.execute(text(
            "SELECT count(*) FROM records r JOIN persons p ON p.person_key = r.subject_key "
            "WHERE r.nature = 'negative' AND p.birth_date > :cutoff"), {"cutoff": adult_cutoff}
        ).scalar_one()
        orgs = conn.execute(text("SELECT count(*) FROM organisation_roles")).scalar_one()
    engine.dispose()
    assert persons == 300
    assert 0 < negative < persons * 0.3
    assert minors_negative == 0
    assert orgs > 0
    first = table_counts()
    again = runner.invoke(app, ["demo", "--persons", "300", "--no-serve"])
    assert again.exit_code == 0, again.output
    # Run again on the same database: nothing added twice, and it says so from what is there.
    assert table_counts() == first
    said = "".join(again.output.split())
    assert "现有：自然人300人" in said and "异议3件" in said and "本次没有新增数据" in said
    # It names persons to sign in as (synthetic), in the credentials file too.
    samples = [line for line in (data_dir / "demo-credentials.txt").read_text(encoding="utf-8").splitlines()
               if line.startswith(("有异议正在处理", "有信用修复申请", "没有失信记录的成年人"))]
    assert len(samples) == 3, samples
    for line in samples:
        _, name, number = line.split("\t")
        assert len(number) == 18 and name in said and number in said  # printed as well


def table_counts() -> dict[str, int]:
    engine = cli_engine()
    with engine.connect() as conn:
        found = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "persons", "organisations", "records", "objections", "repairs", "tipoffs", "articles", "evidence_files")}
    engine.dispose()
    return found


def test_import_command_reports_rows_and_writes_a_report(data_dir: Path):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    path = data_dir / "in.csv"
    with path.open("w", newline="", encoding="gb18030") as fh:
        out = csv.writer(fh)
        out.writerow(["证件号码", "姓名", "源记录编号", "决定日期", "荣誉名称", "荣誉级别", "授予单位"])
        out.writerow([cid(1), "赵六", "RY-1", "2026-01-01", "优秀共青团员", "市级", "共青团市委"])
        out.writerow(["110105194912310020", "钱七", "RY-2", "2026-01-01", "优秀共青团员", "市级",
                      "共青团市委"])
    report = data_dir / "report.csv"
    res = runner.invoke(app, ["import", str(path), "--department", "youth_league",
                              "--item", "BZJL-01", "--report", str(report)])
    assert res.exit_code == 1, res.output  # a rejected row makes the exit status non-zero
    flat = "".join(res.output.split())  # rich wraps lines at the terminal width
    assert "新增1，" in flat and "拒收1，" in flat
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "行号,字段,级别,错误码,说明" and "ID_CHECKSUM" in lines[1]
    assert "110105194912310020" not in res.output


def test_import_refuses_an_unknown_department(data_dir: Path):
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["keys", "init"])
    path = data_dir / "x.csv"
    path.write_text("证件号码\n", encoding="utf-8")
    res = runner.invoke(app, ["import", str(path), "--department", "nobody"])
    assert res.exit_code == 2 and "DEPARTMENT_UNKNOWN" in res.output


def test_check_command_writes_a_result_file(data_dir: Path):
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["keys", "init"])
    court = data_dir / "court.csv"
    with court.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["证件号码", "姓名", "源记录编号", "决定日期", "执行案号", "执行法院", "被执行人的履行情况",
                      "失信被执行人行为具体情形", "被执行人身份"])
        out.writerow([cid(1), "赵六", "ZX-1", days_ago(312), "（2026）执1号", "市中级人民法院", "全部未履行",
                      "有履行能力而拒不履行生效法律文书确定义务", "被执行人本人"])
    assert runner.invoke(app, ["import", str(court), "--department", "court", "--item", "SFCP-01"]).exit_code == 0
    applicants = data_dir / "报名名单.csv"
    applicants.write_text(f"证件号码,备注\n{cid(1)},报名-1\n{cid(2)},报名-2\n{cid(1)},报名-3\n123,报名-4\n",
                          encoding="gb18030")
    res = runner.invoke(app, ["check", str(applicants), "--department", "human_resources",
                              "--scenario", "civil_service_recruitment", "--purpose", "公务员招录资格审查"])
    assert res.exit_code == 0, res.output
    flat = "".join(res.output.split())
    assert "拦截1" in flat and "通过1" in flat and "错误2" in flat
    rows = list(csv.reader((data_dir / "报名名单.结果.csv").open(encoding="utf-8-sig")))
    assert rows[0][0] == "行号"
    assert [(r[0], r[1], r[3], r[6]) for r in rows[1:]] == [
        ("2", "报名-1", "拦截", ""), ("3", "报名-2", "通过", ""), ("4", "报名-3", "", "BATCH_DUPLICATE"),
        ("5", "报名-4", "", "ID_LENGTH")]
    assert cid(2) not in (data_dir / "报名名单.结果.csv").read_text(encoding="utf-8-sig")


def test_check_command_refuses_unknown_scenario(data_dir: Path):
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["keys", "init"])
    path = data_dir / "ids.txt"
    path.write_text(f"{cid(1)}\n", encoding="utf-8")
    res = runner.invoke(app, ["check", str(path), "--department", "human_resources", "--scenario", "nope",
                              "--purpose", "x"])
    assert res.exit_code == 2 and "CHECK_SCENARIO_UNKNOWN" in res.output


def test_jobs_run_reports(data_dir: Path):
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["keys", "init"])
    res = runner.invoke(app, ["jobs", "run"])
    assert res.exit_code == 0 and "定时任务完成" in res.output
