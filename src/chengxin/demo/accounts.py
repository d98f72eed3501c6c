"""Demo accounts: staff with passwords, department systems and a third party with tokens.

Made once per data directory; the credentials go to a file readable by its owner
only (`demo-credentials.txt`) and are printed at the end of `chengxin demo`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from chengxin.accounts import repository as repo
from chengxin.accounts import service
from chengxin.settings import Settings

STAFF = (("demo_admin", "平台管理员（演示）", "platform_admin"),
         ("demo_operator", "信用办工作人员（演示）", "operator"),
         ("demo_auditor", "审计员（演示）", "auditor"))
# Department clerks sign in to the console pages with a password (department accounts).
CLERKS = (("demo_market", "市场监管局报送与核查员（演示）", "market_regulation", ["submitter", "checker"]),
          ("demo_hr", "人社局核查员（演示）", "human_resources", ["checker"]))
SYSTEMS = (("market_regulation", "市场监管局业务系统（演示）", ["submitter", "checker"]),
           ("human_resources", "人社局招录系统（演示）", ["checker"]),
           ("court", "法院执行信息系统（演示）", ["submitter"]))
THIRD_PARTY = ("91110105MA00000012", "某商业银行（演示）")


def credentials_path(settings: Settings) -> Path:
    return settings.data_dir / "demo-credentials.txt"


PERSONS_HEADING = "## 本人登录"


def ensure_demo_accounts(session: Session, settings: Settings,
                         samples: Sequence[tuple[str, str, str]] = ()) -> list[str]:
    """Create the demo accounts if missing; returns the lines of the credentials file, whose
    sign-in examples (`samples`: what they show, name, ID number) are those of this run."""
    path = credentials_path(settings)
    if repo.by_username(session, STAFF[0][0]) is not None and path.exists():
        kept = path.read_text(encoding="utf-8").splitlines()
        lines = kept[:kept.index(PERSONS_HEADING)] if PERSONS_HEADING in kept else kept
        return _write(path, lines + _persons(samples))
    lines = ["# 诚信演示账号（仅演示用；文件仅所有者可读）", "", "## 工作人员（用户名 / 密码）"]
    for username, name, role in STAFF:
        account = repo.by_username(session, username)
        password = f"Demo-{secrets.token_urlsafe(9)}!"
        if account is None:
            service.create_account(session, kind="staff", display_name=name, roles=[role], username=username,
                                   password=password)
        else:
            service.set_password(session, account.id, password)
        lines.append(f"{name}\t{username}\t{password}")
    lines += ["", "## 部门工作人员（用户名 / 密码，登录 /login）"]
    for username, name, department, roles in CLERKS:
        password = f"Demo-{secrets.token_urlsafe(9)}!"
        account = repo.by_username(session, username)
        if account is None:
            service.create_account(session, kind="department", display_name=name, roles=roles, username=username,
                                   department_code=department, password=password)
        else:
            service.set_password(session, account.id, password)
        lines.append(f"{name}\t{username}\t{password}")
    lines += ["", "## 系统 API 令牌（Authorization: Bearer …）"]
    for code, name, roles in SYSTEMS:
        account = service.create_account(session, kind="department", display_name=name, roles=roles,
                                         department_code=code)
        issued = service.issue_token(session, settings, account.id, name="演示")
        lines.append(f"{name}\t{issued.token}")
    bank = service.create_account(session, kind="third_party", display_name=THIRD_PARTY[1], roles=["third_party"],
                                  org_uscc=THIRD_PARTY[0])
    lines.append(f"{THIRD_PARTY[1]}\t{service.issue_token(session, settings, bank.id, name='演示').token}")
    return _write(path, [*lines, "", *_persons(samples)])


def _persons(samples: Sequence[tuple[str, str, str]]) -> list[str]:
    lines = [PERSONS_HEADING,
             "打开 /person/login（或 POST /api/v1/auth/person/challenge）提交演示数据中的证件号码与姓名，"
             "验证码打印在服务器控制台，再填写验证码（或 POST /api/v1/auth/person/verify）。例如（合成数据）："]
    return lines + [f"{what}\t{name}\t{number}" for what, name, number in samples]


def _write(path: Path, lines: list[str]) -> list[str]:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return lines
