"""`chengxin backup` and `chengxin restore` (registered by `chengxin.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn

from chengxin.errors import DomainError


def _cli() -> Any:
    from chengxin import cli  # the main CLI module (loaded by the time a command runs)

    return cli


def backup(
    out: Annotated[Path | None, typer.Option(
        "--out", help="备份文件；缺省为 数据目录/backups/chengxin-时间.tar")] = None,
) -> None:
    """备份数据库（SQLite 在线备份；PostgreSQL 用 pg_dump），附行数清单；不含密钥，密钥文件须另行备份。"""
    from chengxin.backup import service
    from chengxin.backup.rules import KEY_NOTE
    from chengxin.clock import utcnow
    from chengxin.settings import get_settings

    cli = _cli()
    settings = get_settings()
    target = out or settings.data_dir / "backups" / f"chengxin-{utcnow():%Y%m%d-%H%M%S}.tar"
    try:
        with Progress(TextColumn("备份"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                      console=cli.console) as bar:
            task = bar.add_task("backup", total=None)
            doc = service.backup(settings.resolved_database_url, target,
                                 lambda done, total: bar.update(task, completed=done, total=total))
    except DomainError as err:
        cli._fail(err)
    head = doc.get("tree_head")
    cli.console.print(f"备份已写入 {target}（权限 0600）：{len(doc['tables'])} 张表，共 {doc['rows']} 行，"
                      f"结构版本 {', '.join(doc['alembic_revisions']) or '无'}"
                      + (f"，查询日志签名树头大小 {head['tree_size']}" if head else "") + "。")
    cli.console.print(f"[yellow]注意[/yellow]：{KEY_NOTE}")
    cli.console.print("备份含个人信息（姓名与加密的证件号码），请按涉密数据保管。")


def restore(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="chengxin backup 生成的备份文件")],
    force: Annotated[bool, typer.Option("--force", help="目标数据库已有数据时仍然覆盖")] = False,
) -> None:
    """从备份恢复数据库，并核对各表行数、结构版本与查询日志签名树头；目标已有数据时须加 --force。"""
    from chengxin.backup import service
    from chengxin.settings import get_settings

    cli = _cli()
    settings = get_settings()
    try:
        with Progress(TextColumn("恢复"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                      console=cli.console) as bar:
            task = bar.add_task("restore", total=None)
            done = service.restore(settings.resolved_database_url, file, settings, force,
                                   lambda n, total: bar.update(task, completed=n, total=total))
    except DomainError as err:
        cli._fail(err)
    head = done.manifest.get("tree_head")
    cli.console.print(f"已从 {file.name}（{done.manifest['created_at']}）恢复：{len(done.tables)} 张表、"
                      f"{sum(done.tables.values())} 行与备份清单一致"
                      + (f"，查询日志签名树头（大小 {head['tree_size']}）一致" if head else "") + "。")
    checked = done.keys_checked
    if checked.needs_keys or checked.head_key_id:
        what = "、".join(w for w, on in (("证件号码的解密与主体键", bool(checked.persons)),
                                          ("组织的主体键", bool(checked.organisations)),
                                          ("查询日志签名树头的签名密钥", bool(checked.head_key_id))) if on)
        cli.console.print(f"当前配置的密钥与恢复的数据一致（已核对{what}）。")
    else:
        cli.console.print("恢复的数据中没有个人数据与签名树头，无需核对密钥。")
    cli.console.print("请运行 chengxin audit verify 全面核验查询日志。")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
