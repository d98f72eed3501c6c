"""`chengxin authorisations verify-receipt` and `chengxin keys public` (registered by `chengxin.cli`).

Both work offline: a receipt is checked against published public keys, never against the database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from chengxin.errors import DomainError

console = Console(stderr=True)


def _fail(err: DomainError) -> None:
    console.print(f"[red]错误 {err.code}[/red]：{err.message}")
    raise typer.Exit(2)


def keys_public(
    out: Annotated[Path | None, typer.Option("--out", help="写入该文件；缺省输出到屏幕")] = None,
) -> None:
    """输出平台签名公钥（JSON），供任何人离线验证授权回执与查询日志树头；旧密钥文件会在首次使用时补上签名密钥。"""
    from chengxin.settings import get_settings
    from chengxin.signing import load_signer

    try:
        text = json.dumps(load_signer(get_settings()).published(), ensure_ascii=False, indent=2)
    except DomainError as err:
        _fail(err)
        return
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"公钥已写入 {out}")


def verify_receipt(
    file: Annotated[Path, typer.Argument(help="授权回执 JSON 文件", exists=True, dir_okay=False)],
    public_keys: Annotated[Path | None, typer.Option(
        "--public-keys", help="平台公布的公钥文件（chengxin keys public 或 GET /api/v1/signing-keys 的输出）；"
                              "缺省使用本机平台的密钥")] = None,
) -> None:
    """离线验证授权回执的签名：内容任何改动或签名不符都会被发现（退出码 0 有效，1 无效）。"""
    from chengxin.authorisations import rules
    from chengxin.settings import get_settings
    from chengxin.signing import read_signed_file

    try:
        doc, keys = read_signed_file(file, public_keys, get_settings())
    except DomainError as err:
        _fail(err)
        return
    check = rules.verify_receipt(doc, keys)
    if not check.valid:
        console.print(f"[red]无效 {check.code}[/red]：{check.message}")
        raise typer.Exit(1)
    body = doc["receipt"]
    console.print(f"[green]有效[/green]：{check.message}")
    console.print(f"授权编号 {body['id']}，被授权机构 {body['grantee']}，目的 {body['purpose_label']}，"
                  f"有效期 {body['valid_from']} 至 {body['valid_until']}，签名密钥 {check.key_id}")


def register(app: typer.Typer, keys_app: typer.Typer) -> None:
    """Add `chengxin authorisations ...` and `chengxin keys public`."""
    authz = typer.Typer(help="授权查询", no_args_is_help=True)
    authz.command("verify-receipt")(verify_receipt)
    app.add_typer(authz, name="authorisations")
    keys_app.command("public")(keys_public)
