"""`chengxin notices deliver` (registered by `chengxin.cli`)."""

from __future__ import annotations

from typing import Annotated

import typer

from chengxin.errors import DomainError

notices_app = typer.Typer(help="通知投递", no_args_is_help=True)


@notices_app.command("deliver")
def deliver(
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="本次最多投递的通知条数")] = 1000,
) -> None:
    """投递到期的通知（站内信、短信、邮件、演示文件、上级平台）；失败的按退避间隔重试，可重复运行。"""
    from chengxin import cli
    from chengxin.crypto import load_keys
    from chengxin.db import make_sessionmaker
    from chengxin.notices import service
    from chengxin.settings import get_settings

    settings = get_settings()
    try:
        run = service.deliver_due(make_sessionmaker(cli._engine(settings)), load_keys(settings), settings,
                                  limit=limit)
    except DomainError as err:
        cli._fail(err)
        return
    cli.console.print(f"通知投递完成：送达 {run.delivered} 条，待重试 {run.retried} 条，投递失败 {run.failed} 条，"
                      f"无联系方式或渠道未配置 {run.undeliverable} 条。")
