"""`chengxin audit seal | verify | head | prove | check-proof` and sealing by the jobs."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.cli import app
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.jobs import run_once
from chengxin.settings import get_settings

runner = CliRunner()
CHECKER = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id="01JDCHECKER000000000000000")


def append(count: int) -> list[int]:
    engine = make_engine(get_settings().resolved_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        log_reads(session, CHECKER, "check", [Read(f"{i:032x}", "clear") for i in range(count)], purpose="资格审查")
    with engine.connect() as conn:
        seqs = list(conn.execute(text("SELECT seq FROM access_log ORDER BY seq")).scalars())
    engine.dispose()
    return seqs


def sql(statement: str) -> None:
    engine = make_engine(get_settings().resolved_database_url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_seal_verify_prove_and_name_a_tampered_entry(data_dir: Path):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    seqs = append(5)
    sealed = runner.invoke(app, ["audit", "seal"])
    assert sealed.exit_code == 0 and "已封存 5 条" in sealed.output, sealed.output
    assert "没有待封存" in runner.invoke(app, ["audit", "seal"]).output
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "校验通过" in ok.output and "已封存 5 条" in ok.output.replace("\n", ""), ok.output
    head = json.loads(runner.invoke(app, ["audit", "head"]).stdout)
    assert head["tree_size"] == 5
    proof = data_dir / "proof.json"
    made = runner.invoke(app, ["audit", "prove", str(seqs[2]), "--output", str(proof)])
    assert made.exit_code == 0, made.output
    checked = runner.invoke(app, ["audit", "check-proof", str(proof)])
    assert checked.exit_code == 0 and "证明有效" in checked.output, checked.output
    keys_file = data_dir / "public-keys.json"
    assert runner.invoke(app, ["keys", "public", "--out", str(keys_file)]).exit_code == 0
    doc = json.loads(proof.read_text(encoding="utf-8"))
    doc["leaf_data"] = doc["leaf_data"].replace("资格审查", "另作他用")
    proof.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    forged = runner.invoke(app, ["audit", "check-proof", str(proof), "--public-keys", str(keys_file)])
    assert forged.exit_code == 1 and "证明无效" in forged.output

    sql(f"UPDATE access_log SET purpose = '另作他用' WHERE seq = {seqs[3]}")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1, bad.output
    out = bad.output.replace("\n", "")  # the console wraps long lines
    assert "校验失败" in out and f"序号 {seqs[3]}，叶子 3" in out and "AUDIT_ENTRY_ALTERED" in out
    engine = make_engine(get_settings().resolved_database_url)
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT ok, problems FROM audit_verifications ORDER BY finished_at")).all()
    engine.dispose()
    assert [(bool(ok), n) for ok, n in runs] == [(True, 0), (False, 1)]


def test_check_proof_refuses_what_is_not_a_proof(data_dir: Path):
    path = data_dir / "x.json"
    path.write_text("{\"format\": \"something else\"}", encoding="utf-8")
    res = runner.invoke(app, ["audit", "check-proof", str(path)])
    assert res.exit_code == 1 and "证明无效" in res.output


def test_the_jobs_seal_the_log(factory, session, settings, keys, signer):
    log_reads(session, CHECKER, "check", [Read("a" * 32, "clear"), Read("b" * 32, "block")])
    session.commit()
    run = run_once(factory, keys, settings=settings, signer=signer)
    assert run.sealed == 2
    assert run_once(factory, keys, settings=settings, signer=signer).sealed == 0
