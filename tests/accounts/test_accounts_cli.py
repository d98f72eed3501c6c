"""`chengxin accounts …` and the demo accounts, against a fresh database of the suite's kind."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chengxin.app import create_app
from chengxin.cli import app
from chengxin.settings import get_settings

runner = CliRunner()


def test_cli_creates_a_department_account_and_a_working_token(data_dir: Path):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    res = runner.invoke(app, ["accounts", "add-department", "county_tax", "某县税务局"])
    assert res.exit_code == 0 and "已登记" in res.output
    res = runner.invoke(app, ["accounts", "create", "--kind", "department", "--name", "县税务系统",
                              "--role", "checker", "--department", "county_tax"])
    assert res.exit_code == 0, res.output
    account_id = res.stdout.strip().splitlines()[-1]
    res = runner.invoke(app, ["accounts", "token", account_id, "--name", "生产", "--days", "30"])
    assert res.exit_code == 0, res.output
    token = res.stdout.strip().splitlines()[-1]
    assert token.startswith("cxt_")
    client = TestClient(create_app(get_settings()))
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["department_code"] == "county_tax" and me["roles"] == ["checker"]
    bad = runner.invoke(app, ["accounts", "create", "--kind", "department", "--name", "x", "--role", "checker",
                              "--department", "nowhere"])
    assert bad.exit_code == 2 and "DEPARTMENT_UNKNOWN" in bad.output
    res = runner.invoke(app, ["accounts", "revoke-token", token.split("_")[1]])
    assert res.exit_code == 0
    fresh = TestClient(create_app(get_settings()))
    assert fresh.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_demo_prints_working_credentials_and_keeps_them_private(data_dir: Path):
    res = runner.invoke(app, ["demo", "--persons", "50", "--no-serve"])
    assert res.exit_code == 0, res.output
    creds = data_dir / "demo-credentials.txt"
    assert creds.stat().st_mode & 0o777 == 0o600
    text = creds.read_text(encoding="utf-8")
    user, password = next(line.split("\t")[1:] for line in text.splitlines() if "\tdemo_operator\t" in line)
    client = TestClient(create_app(get_settings()))
    login = client.post("/api/v1/auth/login", json={"username": user, "password": password})
    assert login.status_code == 200, login.text
    token = next(line.split("\t")[1] for line in text.splitlines() if line.startswith("人社局招录系统"))
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["department_code"] == "human_resources"
    again = runner.invoke(app, ["demo", "--persons", "50", "--no-serve"])
    assert again.exit_code == 0 and creds.read_text(encoding="utf-8") == text  # reruns keep the accounts
