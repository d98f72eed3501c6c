"""`chengxin credentials verify FILE [--keys published-keys.json]` (registered by `chengxin.cli`).

Offline: the signature is checked against published public keys and the validity against the
platform clock, never against the database (the online status is `POST /api/v1/credentials/verify`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from chengxin.errors import DomainError

console = Console(stderr=True)


def verify(
    file: Annotated[Path, typer.Argument(help="信用凭证 JSON 文件（二维码的内容或下载的凭证文件）", exists=True,
                                         dir_okay=False)],
    keys: Annotated[Path | None, typer.Option(
        "--keys", help="平台公布的公钥文件（GET /api/v1/signing-keys 或 chengxin keys public 的输出）；"
                       "缺省使用本机平台的密钥")] = None,
) -> None:
    """离线核验信用凭证：平台签名、内容未被改动、在有效期内（退出码 0 有效，1 无效，2 文件无法读取）。"""
    from chengxin.clock import CHINA, utcnow
    from chengxin.credentials import rules
    from chengxin.settings import get_settings
    from chengxin.signing import read_signed_file

    try:
        doc, public_keys = read_signed_file(file, keys, get_settings())
    except DomainError as err:
        console.print(f"[red]错误 {err.code}[/red]：{err.message}")
        raise typer.Exit(2) from None
    verdict = rules.verify(doc, public_keys, utcnow())
    if verdict.statement:
        console.print(f"凭证证明：{verdict.statement}")
        console.print(f"持有人：{verdict.name}，证件号码 {verdict.id_number}；有效期至 "
                      f"{verdict.valid_until.astimezone(CHINA):%Y-%m-%d %H:%M}（北京时间）" if verdict.valid_until
                      else f"持有人：{verdict.name}，证件号码 {verdict.id_number}")
    if not verdict.valid:
        console.print(f"[red]无效（{verdict.status_label}）{verdict.code}[/red]：{verdict.message}")
        raise typer.Exit(1)
    console.print(f"[green]有效[/green]：{verdict.message}；签名密钥 {verdict.key_id}")
    console.print("离线核验不包括当前状态（本人是否已撤销、事实今天是否仍成立），请扫码在线核验。")


def register(app: typer.Typer) -> None:
    """Add `chengxin credentials ...`."""
    credentials = typer.Typer(help="信用凭证", no_args_is_help=True)
    credentials.command("verify")(verify)
    app.add_typer(credentials, name="credentials")
