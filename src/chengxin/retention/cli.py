"""`chengxin retention purge|report` (registered by `chengxin.cli`)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengxin.errors import DomainError

retention_app = typer.Typer(help="负面信息到期删除（保存期满、修复后删除）", no_args_is_help=True)


def _names() -> dict[str, str]:
    from chengxin.catalog.rules import default_catalog

    return {code: item.name for code, item in default_catalog().items.items()}


@retention_app.command("purge")
def purge(dry_run: Annotated[bool, typer.Option("--dry-run", help="只统计应删除的事项，不删除任何数据")]
          = False) -> None:
    """删除保存期满的失信等负面信息（及按设置在修复后删除的原失信信息，修复情况存档），分批进行并输出报告。
    每批一个事务，可重复执行；查询日志不受影响，`chengxin audit verify` 仍可核验。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from chengxin import cli
    from chengxin.db import make_sessionmaker
    from chengxin.retention import service
    from chengxin.settings import get_settings

    settings = get_settings()
    factory = make_sessionmaker(cli._engine(settings))
    try:
        with Progress(TextColumn("检查事项"), BarColumn(), MofNCompleteColumn(), console=cli.console,
                      transient=True) as bar:
            task = bar.add_task("purge", total=None)

            def progress(scanned: int, total: int) -> None:
                bar.update(task, completed=scanned, total=max(total, scanned))

            summary = service.purge(factory, settings, dry_run=dry_run, progress=progress)
    except DomainError as err:
        cli._fail(err)
    for line in service.describe(summary, dry_run=dry_run, names=_names()):
        cli.console.print(line)


@retention_app.command("report")
def report(last: Annotated[int, typer.Option("--last", min=1, max=100, help="显示最近几次的报告")] = 1) -> None:
    """显示最近的到期删除报告（每次执行均留存：删除了什么、多少、暂缓了什么）。"""
    from chengxin import cli
    from chengxin.clock import CHINA
    from chengxin.db import make_sessionmaker, unit_of_work
    from chengxin.retention import repository, service
    from chengxin.settings import get_settings

    status = {"running": "进行中或已中断", "done": "已完成", "failed": "失败"}
    with unit_of_work(make_sessionmaker(cli._engine(get_settings())), writes=False) as session:
        runs = repository.latest_runs(session, last)
        if not runs:
            cli.console.print("尚未执行过到期删除。")
        for r in runs:
            when = r.started_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            by = "定时任务" if r.trigger == "job" else "命令行"
            cli.console.print(f"【{status.get(r.status, r.status)}】{when} 开始（{by}）")
            for line in service.describe(r, names=_names()):
                cli.console.print(line)
