"""`chengxin exchange …`: this node, its neighbours, send, import, reconcile, re-send."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from chengxin.errors import DomainError

exchange_app = typer.Typer(help="平台间交换（上报、下发、对账）", no_args_is_help=True)
log = logging.getLogger("chengxin.exchange")


class Context:
    """What every exchange command needs, loaded once."""

    def __init__(self) -> None:
        from chengxin import cli
        from chengxin.crypto import load_keys
        from chengxin.db import make_sessionmaker
        from chengxin.editions.service import current_or_packaged
        from chengxin.exchange import feed
        from chengxin.settings import get_settings
        from chengxin.signing import load_signer

        self.settings = get_settings()
        feed.install(self.settings)
        self.factory = make_sessionmaker(cli._engine(self.settings))
        self.keys = load_keys(self.settings)
        self.catalog, _ = current_or_packaged(self.factory)
        self.signer = load_signer(self.settings)
        self.node = feed.current_node(self.settings)

    def neighbours(self, code: str | None) -> list[Any]:
        if code is None:
            return list(self.node.neighbours)
        found = self.node.neighbour(code)
        if found is None:
            raise DomainError("EXCHANGE_NEIGHBOUR_UNKNOWN", f"相邻平台配置中没有 {code[:6]}", 404)
        return [found]


def _run(work: Any) -> None:
    from chengxin import cli

    try:
        work()
    except DomainError as err:
        cli._fail(err)


@exchange_app.command("node")
def node() -> None:
    """本平台的交换节点：行政区划代码、名称、公钥（交给相邻平台写入它们的配置）与相邻平台。"""
    def work() -> None:
        import base64

        from chengxin import cli
        from chengxin.exchange import rules

        ctx = Context()
        cli.console.print(f"本节点：{ctx.node.code} {ctx.node.name}")
        cli.console.print(f"公钥（Ed25519）：{base64.b64encode(ctx.signer.public_key()).decode()}  "
                          f"（{ctx.signer.key_id}）")
        for n in ctx.node.neighbours:
            cli.console.print(f"  {rules.DIRECTIONS[n.direction]} {n.code} {n.name}：{rules.MODES[n.mode]}")
        if not ctx.node.neighbours:
            cli.console.print(f"尚未配置相邻平台（{ctx.settings.resolved_neighbours_file}）。")
    _run(work)


@exchange_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False) -> None:
    """每个相邻平台的积压、滞后、已确认序号、最近对账，以及最近拒收的批次。"""
    def work() -> None:
        from chengxin import cli
        from chengxin.db import unit_of_work
        from chengxin.exchange import schemas, service

        ctx = Context()
        with unit_of_work(ctx.factory, writes=False) as session:
            out = schemas.neighbours_out(ctx.node, service.status(session, ctx.node), service.refusals(session, 20))
        if as_json:
            typer.echo(out.model_dump_json(indent=2))
            return
        for n in out.neighbours:
            lag = "—" if n.lag_seconds is None else f"{n.lag_seconds:.0f} 秒"
            rec = n.reconciliation["status"] if n.reconciliation else "未对账"
            cli.console.print(f"{n.direction_label} {n.code} {n.name}（{n.mode_label}）：已编号 {n.last_seq}，"
                              f"已确认 {n.acked_through}，积压 {n.backlog}，滞后 {lag}；收到并应用到 "
                              f"{n.applied_through}；对账 {rec}" + (f"；错误 {n.last_error}" if n.last_error else ""))
        for r in out.refusals:
            who = "本平台拒收" if r.direction == "in" else "对方拒收"
            cli.console.print(f"  {who} {r.neighbour or '—'} {r.source or ''} 第 {r.first_seq}–{r.last_seq} 号："
                              f"{r.code} {r.message}")
    _run(work)


def _bar(total: int, what: str) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from chengxin import cli

    progress = Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=cli.console, transient=True)
    return progress


@exchange_app.command("send")
def send(neighbour: Annotated[str | None, typer.Option(help="只发给该相邻平台（行政区划代码）")] = None) -> None:
    """发送欠相邻平台的变更：服务方式发送到对方接口并取得签名回执；文件方式写入发件目录，并读取对方回执。"""
    def work() -> None:
        from chengxin import cli
        from chengxin.db import unit_of_work
        from chengxin.exchange import repository as repo
        from chengxin.exchange import service

        ctx = Context()
        for n in ctx.neighbours(neighbour):
            with unit_of_work(ctx.factory, writes=False) as session:
                total = repo.backlog(session, n.code)
            with _bar(total, f"发往 {n.name}") as bar:
                task = bar.add_task("send", total=total)
                r = service.send_round(ctx.factory, ctx.keys, ctx.catalog, ctx.signer, ctx.node, n,
                                       batch=ctx.settings.exchange_batch_changes,
                                       progress=lambda k, t=task: bar.advance(t, k))
            line = f"{n.code} {n.name}：新编号 {r.numbered} 条，发送 {r.sent} 条"
            line += f"，写出批次文件 {r.files_written} 个，读取回执 {r.files_read} 个" if n.mode == "file" else \
                f"，对方已确认到第 {r.acked_through} 号"
            cli.console.print(line + (f"；[red]{r.error}[/red]" if r.error else ""))
    _run(work)


@exchange_app.command("import")
def import_files(neighbour: Annotated[str | None, typer.Option(help="只读取该相邻平台的收件目录")] = None) -> None:
    """读取文件方式相邻平台收件目录中的批次文件：按序号逐个整体应用并写出签名回执；重复的不再应用；
    被改动、签名不符的整批拒收（移入 refused/）；前序批次未到的留待下次。"""
    def work() -> None:
        from chengxin import cli
        from chengxin.exchange import service

        ctx = Context()
        for n in ctx.neighbours(neighbour):
            if n.mode != "file" or n.inbox is None:
                continue
            files = sorted(n.inbox.glob(f"{n.code}-{ctx.node.code}-*.batch.json")) if n.inbox.is_dir() else []
            with _bar(len(files), f"读取 {n.name} 的批次") as bar:
                task = bar.add_task("import", total=len(files))
                r = service.import_inbox(ctx.factory, ctx.keys, ctx.catalog, ctx.signer, ctx.node, n,
                                         max_bytes=ctx.settings.exchange_max_batch_bytes,
                                         progress=lambda k, t=task: bar.advance(t, k))
            cli.console.print(f"{n.code} {n.name}：应用 {r.applied} 条变更，重复（已应用过）{r.duplicates} 条，"
                              f"等待前序批次的文件 {len(r.waiting or [])} 个，拒收 {len(r.refused or [])} 个")
            for name, code, message in r.refused or []:
                cli.console.print(f"  [red]拒收[/red] {name}：{code} {message}")
            for name in r.waiting or []:
                cli.console.print(f"  等待前序批次：{name}")
    _run(work)


@exchange_app.command("reconcile")
def reconcile(
    neighbour: Annotated[str | None, typer.Option(help="只与该相邻平台对账")] = None,
    days: Annotated[int, typer.Option(min=1, max=366, help="对账的天数（含今天）")] = 7,
    statement: Annotated[Path | None, typer.Option(help="文件方式：对方发来的对账单文件")] = None,
) -> None:
    """把发给相邻平台并经确认的变更，与对方签名的对账单（按类别和日期的条数与摘要）比对，指出不一致之处。"""
    def work() -> None:
        from chengxin import cli
        from chengxin.clock import today
        from chengxin.exchange import service

        ctx = Context()
        end = today()
        theirs = json.loads(statement.read_bytes()) if statement else None
        for n in ctx.neighbours(neighbour):
            row = service.reconcile(ctx.factory, ctx.node, ctx.signer, n, end - timedelta(days=days - 1), end,
                                    theirs=theirs)
            if row.status == "ok":
                cli.console.print(f"{n.code} {n.name}：{row.day_from}—{row.day_to} 对账一致")
            elif row.status == "drift":
                cli.console.print(f"{n.code} {n.name}：[red]对账不一致[/red]")
                for d in row.details:  # type: ignore[union-attr]
                    cli.console.print(f"  类别 {d['category']} 日期 {d['day']}：本平台 {d['ours']}，对方 {d['theirs']}")
            else:
                cli.console.print(f"{n.code} {n.name}：[red]对账失败[/red] {row.details}")
    _run(work)


@exchange_app.command("resend")
def resend(neighbour: Annotated[str, typer.Argument(help="相邻平台的行政区划代码")],
           from_seq: Annotated[int, typer.Option("--from", min=1, help="从该序号起重发")]) -> None:
    """从某序号起重发（对方丢失了批次文件或恢复了备份）；对方按序号去重，不会重复应用。"""
    def work() -> None:
        from chengxin import cli
        from chengxin.db import unit_of_work
        from chengxin.exchange import service

        ctx = Context()
        ctx.neighbours(neighbour)
        with unit_of_work(ctx.factory) as session:
            n = service.resend(session, neighbour, from_seq)
        cli.console.print(f"已安排从第 {from_seq} 号起重发 {n} 条变更，下次发送时送出。")
    _run(work)


def start_background(factory: Any, keys: Any, catalog: Any, settings: Any, every: float) -> threading.Event:
    """`chengxin serve`'s exchange loop: every `every` seconds, send to each neighbour and read the
    file-mode inboxes. A failing neighbour never stops the others; its error is kept on its row."""
    from chengxin.departments import repository as departments
    from chengxin.exchange import feed, service
    from chengxin.signing import load_signer

    stop = threading.Event()
    signer = load_signer(settings)

    def loop() -> None:
        while not stop.wait(every):
            try:
                node = feed.current_node(settings)
            except DomainError as exc:
                log.error("exchange config: %s", exc.code)
                continue
            try:  # the departments other processes registered since (their names for the checks' answers)
                with factory() as session:
                    departments.remember(departments.names(session))
            except Exception as exc:
                log.error("exchange: department names: %s", type(exc).__name__)
            for n in node.neighbours:
                try:
                    if n.mode == "file":
                        service.import_inbox(factory, keys, catalog, signer, node, n,
                                             max_bytes=settings.exchange_max_batch_bytes)
                    service.send_round(factory, keys, catalog, signer, node, n,
                                       batch=settings.exchange_batch_changes)
                    service.reconcile_if_due(factory, node, signer, n)
                except Exception as exc:  # the next round retries
                    log.error("exchange with %s failed: %s", n.code, type(exc).__name__)

    threading.Thread(target=loop, name="chengxin-exchange", daemon=True).start()
    return stop
