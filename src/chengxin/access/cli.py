"""`chengxin audit ...`: seal the access log, verify it, show the signed head, prove and check
proofs. Registered as a sub-app by `chengxin.cli`; the boundary (each command) owns the
transaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from chengxin.errors import DomainError

audit_app = typer.Typer(help="查询日志存证（Merkle 树、签名树头、包含证明）", no_args_is_help=True)


def _cli() -> Any:
    from chengxin import cli  # the main CLI module (loaded by the time a command runs)

    return cli


def _factory(snapshot: bool = False):
    """Sessions on the configured database; `snapshot`: one consistent view for a whole
    transaction (REPEATABLE READ on PostgreSQL; a SQLite read transaction already is one)."""
    from chengxin.db import make_sessionmaker
    from chengxin.settings import get_settings

    engine = _cli()._engine(get_settings())
    if snapshot and engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return make_sessionmaker(engine)


def _signer():
    from chengxin.settings import get_settings
    from chengxin.signing import load_signer

    return load_signer(get_settings())


@audit_app.command("seal")
def audit_seal() -> None:
    """封存尚未封存的查询记录并签发新的签名树头（幂等；定时任务也会执行）。"""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from chengxin.access.sealing import seal_all

    cli = _cli()
    try:
        signer = _signer()
        with Progress(SpinnerColumn(), TextColumn("封存中：已处理 {task.completed:,.0f} 条"), console=cli.console,
                      transient=True) as bar:
            task = bar.add_task("seal", total=None)
            result = seal_all(_factory(), signer, progress=lambda n: bar.update(task, completed=n))
    except DomainError as err:
        cli._fail(err)
    if result.head is None:
        cli.console.print(f"没有待封存的查询记录；树大小 {result.tree_size:,}，根哈希 {result.root_hash.hex()}")
    else:
        cli.console.print(f"已封存 {result.sealed:,} 条查询记录；新的签名树头：大小 {result.tree_size:,}，"
                          f"根哈希 {result.root_hash.hex()}，签名密钥 {result.head.key_id}")


@audit_app.command("verify")
def audit_verify(
    record: Annotated[bool, typer.Option("--record/--no-record", help="是否把结果记入数据库（供树头接口展示）")] = True,
) -> None:
    """完整校验查询日志：重算每个叶子、重建 Merkle 树、核对每个签名树头的根哈希与签名；
    发现问题时指出第一条并以非零状态退出。"""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from chengxin.access import verify as audit
    from chengxin.clock import utcnow
    from chengxin.db import unit_of_work
    from chengxin.settings import get_settings
    from chengxin.signing import load_public_keys

    cli = _cli()
    started = utcnow()
    try:
        keys = load_public_keys(get_settings())
        columns = (TextColumn("[bold]校验[/bold]"), BarColumn(),
                   TextColumn("{task.completed:,.0f}/{task.total:,.0f} 条"), TimeRemainingColumn())
        # One snapshot for the whole pass, so a seal running meanwhile is not mistaken for tampering.
        with Progress(*columns, console=cli.console, transient=True) as bar, \
                _factory(snapshot=True).begin() as session:
            task = bar.add_task("verify", total=0)
            report = audit.verify(session, keys, progress=lambda done, total: bar.update(task, completed=done,
                                                                                          total=total))
        if record:
            with unit_of_work(_factory()) as session:
                audit.record(session, report, started)
    except DomainError as err:
        cli._fail(err)
    seconds = (utcnow() - started).total_seconds()
    if report.ok:
        root = report.root_hash.hex() if report.root_hash else "（空）"
        cli.console.print(f"[green]校验通过[/green]：已封存 {report.tree_size:,} 条，"
                          f"签名树头 {report.heads} 个全部有效，最新根哈希 {root}；"
                          f"待封存 {report.pending:,} 条；用时 {seconds:.1f} 秒")
        return
    first = report.problems[0]
    cli.console.print(f"[red]校验失败[/red]：发现 {report.problem_count:,} 处问题（已检查 {report.tree_size:,} 个叶子，"
                      f"用时 {seconds:.1f} 秒）。第一处：{first.line()}")
    for problem in report.problems[1:20]:
        cli.console.print(f"  {problem.line()}")
    raise typer.Exit(1)


@audit_app.command("head")
def audit_head() -> None:
    """显示最新的签名树头。"""
    from chengxin.access import repository as repo
    from chengxin.access.sealing import head_json

    cli = _cli()
    with _factory()() as session:
        head = repo.latest_head(session)
        if head is None:
            cli._fail(DomainError("AUDIT_NO_TREE_HEAD", "查询日志尚未封存，暂无签名树头"))
        doc = head_json(head)
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@audit_app.command("prove")
def audit_prove(
    seq: Annotated[int, typer.Argument(help="查询记录序号")],
    size: Annotated[int | None, typer.Option("--size", help="签名树头大小；缺省为最新")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="写入该文件；缺省输出到屏幕")] = None,
) -> None:
    """输出某条查询记录的包含证明（JSON），可交给任何人离线验证。"""
    from chengxin.access.sealing import prove

    cli = _cli()
    try:
        signer = _signer()
        with _factory()() as session:
            doc = prove(session, signer, seq, size)
    except DomainError as err:
        cli._fail(err)
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if output is None:
        typer.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        cli.console.print(f"证明已写入 {output}（{doc['status_label']}）")


@audit_app.command("check-proof")
def audit_check_proof(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="证明文件（chengxin audit prove 的输出）")],
    public_keys: Annotated[Path | None, typer.Option(
        "--public-keys", help="平台公布的公钥文件（GET /api/v1/signing-keys 的输出）；"
                              "缺省用本机平台的公钥，没有时用证明文件自带的公钥")] = None,
) -> None:
    """离线验证包含证明：叶子哈希、审计路径、签名树头的 Ed25519 签名（退出码 0 有效，1 无效）。"""
    from chengxin.access.rules import check_proof
    from chengxin.settings import get_settings
    from chengxin.signing import read_signed_file

    cli = _cli()
    try:
        doc, keys = read_signed_file(file, public_keys, get_settings())
    except DomainError as err:
        cli._fail(err)
    check = check_proof(doc, keys if len(keys) else None)
    if not check.ok:
        cli.console.print(f"[red]证明无效[/red]：{'；'.join(check.problems)}")
        raise typer.Exit(1)
    cli.console.print(f"[green]证明有效[/green]：序号 {check.seq} 的查询记录包含在"
                      f"大小为 {check.tree_size:,} 的签名树头中，签名密钥 {check.key_id}")
    if not check.key_trusted:
        cli.console.print("[yellow]注意[/yellow]：公钥取自证明文件本身，请与平台公布的公钥（密钥编号一致）核对，"
                          "或用 --public-keys 指定公钥文件。")
