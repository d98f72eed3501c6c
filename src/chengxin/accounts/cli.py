"""`chengxin accounts …`: departments, accounts and API tokens from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chengxin.errors import DomainError

app = typer.Typer(help="账号、部门与 API 令牌管理", no_args_is_help=True)
console = Console(stderr=True)


def _factory():
    from chengxin.db import make_sessionmaker, settings_engine
    from chengxin.settings import get_settings

    settings = get_settings()
    return settings, make_sessionmaker(settings_engine(settings))


def _fail(err: DomainError) -> None:
    console.print(f"[red]错误 {err.code}[/red]：{err.message}")
    raise typer.Exit(2)


@app.command("add-department")
def add_department(code: Annotated[str, typer.Argument(help="部门编码，如 county_tax")],
                   name: Annotated[str, typer.Argument(help="部门名称")]) -> None:
    """登记部门（已登记时不变）。"""
    from chengxin.db import unit_of_work
    from chengxin.departments import repository as departments

    _, factory = _factory()
    with unit_of_work(factory) as session:
        created = departments.ensure(session, {code: name})
    console.print(f"部门 {code}（{name}）" + ("已登记" if created else "已存在，未改动"))


@app.command("create")
def create(
    kind: Annotated[str, typer.Option(help="账号类型：staff（工作人员）、department（部门系统）、"
                                           "third_party（第三方机构）")],
    name: Annotated[str, typer.Option("--name", help="显示名称")],
    role: Annotated[list[str], typer.Option("--role", help="角色，可重复：platform_admin、operator、auditor、"
                                                         "submitter、checker、third_party")],
    username: Annotated[str | None, typer.Option(help="登录用户名（工作人员）")] = None,
    department: Annotated[str | None, typer.Option(help="部门编码（部门账号）")] = None,
    uscc: Annotated[str | None, typer.Option(help="统一社会信用代码（第三方机构）")] = None,
    password: Annotated[bool, typer.Option("--password/--no-password",
                                           help="设置登录密码（交互输入，不回显）")] = False,
) -> None:
    """新建账号；本人账号由身份认证登录时自动建立。"""
    from chengxin.accounts import service
    from chengxin.db import unit_of_work

    secret = typer.prompt("密码", hide_input=True, confirmation_prompt=True) if password else None
    _, factory = _factory()
    try:
        with unit_of_work(factory) as session:
            account = service.create_account(session, kind=kind, display_name=name, roles=role, username=username,
                                             department_code=department, org_uscc=uscc, password=secret)
            account_id = account.id
    except DomainError as err:
        _fail(err)
    console.print(f"已新建账号 {account_id}（{name}，角色 {', '.join(sorted(role))}）")
    typer.echo(account_id)


@app.command("token")
def token(
    account_id: Annotated[str, typer.Argument(help="账号编号")],
    name: Annotated[str, typer.Option("--name", help="令牌用途，如“招录系统生产环境”")],
    scope: Annotated[list[str] | None, typer.Option("--scope", help="权限范围（账号角色的子集），可重复")] = None,
    days: Annotated[int | None, typer.Option(help="有效期（天）")] = None,
) -> None:
    """签发 API 令牌：明文只输出这一次（标准输出），平台只保存其哈希。"""
    from chengxin.accounts import service
    from chengxin.db import unit_of_work

    settings, factory = _factory()
    try:
        with unit_of_work(factory) as session:
            issued = service.issue_token(session, settings, account_id, name=name, scopes=scope, days=days)
    except DomainError as err:
        _fail(err)
    console.print(f"令牌 {issued.id} 有效期至 {issued.expires_at:%Y-%m-%d}；明文仅显示这一次，请立即妥善保存：")
    typer.echo(issued.token)


@app.command("revoke-token")
def revoke_token(token_id: Annotated[str, typer.Argument(help="令牌编号（令牌中 cxt_ 后的 26 位）")]) -> None:
    """吊销 API 令牌（各服务进程在令牌缓存时间内生效）。"""
    from chengxin.accounts import service
    from chengxin.db import unit_of_work

    _, factory = _factory()
    try:
        with unit_of_work(factory) as session:
            service.revoke_token(session, token_id)
    except DomainError as err:
        _fail(err)
    console.print(f"令牌 {token_id} 已吊销")


@app.command("list")
def list_accounts(kind: Annotated[str | None, typer.Option(help="只列出该类型")] = None) -> None:
    """列出账号。"""
    from chengxin.accounts import repository as repo
    from chengxin.accounts.rules import ROLES
    from chengxin.db import unit_of_work

    _, factory = _factory()
    table = Table("编号", "类型", "名称", "用户名", "角色", "部门/机构")
    with unit_of_work(factory) as session:
        for a in repo.listing(session, kind):
            table.add_row(a.id, a.kind, a.display_name, a.username or "", "、".join(ROLES[r] for r in a.roles),
                          a.department_code or a.org_uscc or "")
    Console().print(table)
