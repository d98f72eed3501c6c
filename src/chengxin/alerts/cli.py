"""`chengxin alerts scan` (registered by `chengxin.cli`)."""

from __future__ import annotations

import typer

from chengxin.errors import DomainError

alerts_app = typer.Typer(help="异常使用告警", no_args_is_help=True)


@alerts_app.command("scan")
def scan() -> None:
    """按规则扫描查询日志与登录事件，生成异常使用告警（幂等：重复扫描不会重复告警）。"""
    from chengxin import cli
    from chengxin.alerts import service
    from chengxin.clock import utcnow
    from chengxin.db import make_sessionmaker, unit_of_work
    from chengxin.settings import get_settings

    settings = get_settings()
    try:
        with unit_of_work(make_sessionmaker(cli._engine(settings))) as session:
            result = service.scan(session, utcnow(), settings)
            open_count = service.listing(session, "open", None, 1, 0)[0]
    except DomainError as err:
        cli._fail(err)
    cli.console.print(f"扫描完成：新告警 {result.raised} 条，更新已有告警 {result.refreshed} 条；"
                      f"待处理告警共 {open_count} 条。")
