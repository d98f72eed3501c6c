"""The `chengxin` command line: a thin layer over the services (operator-facing text in Chinese)."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from chengxin.accounts import cli as accounts_cli
from chengxin.alerts.cli import alerts_app
from chengxin.authorisations import cli as authorisations_cli
from chengxin.backup import cli as backup_cli
from chengxin.credentials import cli as credentials_cli
from chengxin.errors import DomainError
from chengxin.exchange.cli import exchange_app
from chengxin.keyring import cli as keyring_cli
from chengxin.notices.cli import notices_app
from chengxin.retention.cli import retention_app
from chengxin.settings import Settings, get_settings

app = typer.Typer(help="诚信 · 个人公共信用信息平台 命令行工具", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="数据库管理", no_args_is_help=True)
keys_app = typer.Typer(help="密钥管理", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(accounts_cli.app, name="accounts")
app.add_typer(alerts_app, name="alerts")
app.add_typer(notices_app, name="notices")
app.add_typer(exchange_app, name="exchange")
app.add_typer(retention_app, name="retention")
keyring_cli.register(keys_app)
backup_cli.register(app)
authorisations_cli.register(app, keys_app)
credentials_cli.register(app)
console = Console(stderr=True)


def _fail(err: DomainError) -> None:
    console.print(f"[red]错误 {err.code}[/red]：{err.message}")
    raise typer.Exit(2)


def _engine(settings: Settings):
    from chengxin.db import private_dir, settings_engine

    private_dir(settings.data_dir)
    return settings_engine(settings)


def prepare_database(settings: Settings) -> None:
    """Migrate to head and register the catalog's departments."""
    from chengxin.catalog.rules import default_catalog
    from chengxin.db import make_sessionmaker, unit_of_work
    from chengxin.departments import repository as departments
    from chengxin.migrate import upgrade

    engine = _engine(settings)
    upgrade(engine)
    catalog = default_catalog()
    if settings.catalog_supplement is not None:  # its own departments too
        from chengxin.catalog.supplement import load

        catalog = load(catalog, settings.catalog_supplement)[0]
    with unit_of_work(make_sessionmaker(engine)) as session:
        departments.ensure(session, dict(catalog.departments))
    engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """升级数据库结构到最新版本（Alembic），并登记目录中的部门。"""
    settings = get_settings()
    prepare_database(settings)
    console.print(f"数据库已升级到最新版本：{_safe_url(settings)}")


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


@keys_app.command("init")
def keys_init() -> None:
    """生成密钥文件（仅所有者可读写）；已存在时不覆盖。"""
    from chengxin.crypto import create_key_file

    path = get_settings().resolved_key_file
    if create_key_file(path):
        console.print(f"已生成密钥文件 {path}（权限 0600）。请妥善备份：丢失后已加密的证件号码无法恢复。")
    else:
        console.print(f"密钥文件已存在，未作改动：{path}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="监听端口")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="服务进程数（缺省取 CHENGXIN_WORKERS，为 1）")] = None,
) -> None:
    """启动 HTTP 服务：先核对数据库、结构版本与密钥（须是生成这些数据时的密钥），有问题时说明并退出。
    多个服务进程时，定时任务与交换任务只在其中一个进程（经数据库选出的执行者）运行。"""
    import uvicorn

    from chengxin.app import create_app
    from chengxin.leader import configuration_problem, loops_wanted
    from chengxin.serving import ProblemH11Protocol, start_serving
    from chengxin.startup import prepare

    settings = get_settings()
    workers = workers or settings.workers
    try:
        ready = prepare(settings)
        if settings.serve_jobs and loops_wanted(settings) and (problem := configuration_problem(settings)):
            raise problem
        # One process serves the app made here; several each make their own from the same settings.
        application = create_app(settings, keys=ready.keys) if workers == 1 else None
    except DomainError as err:
        _fail(err)
    for warning in ready.warnings:
        console.print(f"[yellow]注意[/yellow]：{warning}")
    many = f"（{workers} 个服务进程）" if workers > 1 else ""
    console.print(f"服务地址：http://{host or settings.host}:{port or settings.port}/{many}")
    if application is not None:
        start_serving(application)
        uvicorn.run(application, host=host or settings.host, port=port or settings.port,
                    log_level="info", http=ProblemH11Protocol)
    else:
        uvicorn.run("chengxin.serving:worker_app", factory=True, workers=workers, host=host or settings.host,
                    port=port or settings.port, log_level="info", http=ProblemH11Protocol)


@app.command()
def demo(
    persons: Annotated[int, typer.Option("--persons", min=1, max=5_000_000,
                                         help="生成的自然人数量")] = 2000,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve",
                                              help="生成后是否启动服务")] = True,
    seed: Annotated[int, typer.Option(help="随机种子（相同种子生成相同数据）")] = 2026,
    host: Annotated[str | None, typer.Option(help="监听地址")] = None,
    port: Annotated[int | None, typer.Option(help="监听端口")] = None,
) -> None:
    """生成演示数据库（全部为合成数据）并启动服务。"""
    from chengxin.crypto import create_key_file
    from chengxin.db import private_dir
    from chengxin.demo.generate import build_demo

    settings = get_settings()
    private_dir(settings.data_dir)
    if create_key_file(settings.resolved_key_file):
        console.print(f"已生成演示密钥文件 {settings.resolved_key_file}（权限 0600）")
    prepare_database(settings)
    try:
        built = build_demo(settings, persons=persons, seed=seed, console=console)
    except DomainError as err:
        _fail(err)
    console.print(f"演示数据库 {_safe_url(settings)} 现有：{built.line(built.totals)}。")
    if any(built.added.values()):
        console.print(f"其中本次新增：{built.line(built.added)}。")
    else:
        console.print("本次没有新增数据：这个数据库里已有用同一种子生成的演示数据。")
    from chengxin.db import make_sessionmaker, unit_of_work
    from chengxin.demo.accounts import credentials_path, ensure_demo_accounts

    engine = _engine(settings)
    with unit_of_work(make_sessionmaker(engine)) as session:
        lines = ensure_demo_accounts(session, settings, built.samples)
    engine.dispose()
    console.print(f"演示账号（已保存到 {credentials_path(settings)}，权限 0600）：")
    for line in lines:
        console.print(f"  {line}", markup=False)
    if serve_after:
        serve(host=host, port=port)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV（UTF-8/GB18030）或 XLSX 文件")],
    department: Annotated[str, typer.Option("--department", help="报送部门编码")],
    item: Annotated[str | None, typer.Option("--item", help="信息项编码（文件无“目录项编码”列时必填）")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="把逐行报告写入此 CSV 文件")] = None,
    chunk: Annotated[int | None, typer.Option(min=1, max=100_000, help="每个事务的行数")] = None,
) -> None:
    """流式导入一个文件：逐行校验、分块提交、显示进度；重复导入不会产生重复记录。"""
    from chengxin.crypto import load_keys
    from chengxin.db import make_sessionmaker
    from chengxin.departments import repository as departments
    from chengxin.editions.service import current_or_packaged
    from chengxin.records.imports import ImportSpec, run_import
    from chengxin.records.repository import batch_issues

    settings = get_settings()
    engine = _engine(settings)
    factory = make_sessionmaker(engine)
    try:
        keys = load_keys(settings)
        with factory() as session:
            if departments.get(session, department) is None:
                raise DomainError("DEPARTMENT_UNKNOWN", f"未登记的部门编码：{department}")
        size = file.stat().st_size
        spec = ImportSpec(department, file.name, item, chunk or settings.import_chunk_rows,
                          settings.max_issues_per_code, settings.rejected_rows_days)
        columns = (TextColumn("[bold]导入[/bold] {task.description}"), BarColumn(),
                   TextColumn("{task.percentage:>5.1f}%"), TransferSpeedColumn(),
                   TextColumn("已处理 {task.fields[rows]} 行"), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=False) as bar, file.open("rb") as fh:
            task = bar.add_task(file.name, total=size, rows=0)

            def progress(position: int, rows: int) -> None:
                done = min(position, size) if file.suffix.lower() != ".xlsx" else None
                bar.update(task, completed=done if done is not None else 0, rows=rows)

            catalog, _ = current_or_packaged(factory)  # the catalog in force (published editions)
            batch = run_import(factory, catalog, keys, fh, spec, progress)
            bar.update(task, completed=size)
    except DomainError as err:
        _fail(err)
    console.print(
        f"回执编号 {batch.id}：共 {batch.total} 行，新增 {batch.created}，新版本 "
        f"{batch.new_versions}，未变化 {batch.unchanged}，拒收 {batch.rejected}，"
        f"提示 {batch.warnings}"
    )
    with factory() as session:
        issues = batch_issues(session, batch.id, 20)
        for i in issues:
            level = "拒收" if i.level == "error" else "提示"
            console.print(f"  第 {i.row} 行 {i.field or ''} [{i.code}] {level}：{i.message}")
        if report is not None:
            _write_report(session, batch.id, report)
            console.print(f"逐行报告已写入 {report}")
    if batch.rejected:
        raise typer.Exit(1)


def _identifier_rows(path: Path) -> Iterator[Any]:
    from chengxin.checks.files import identifier_rows

    with path.open("rb") as fh:
        yield from identifier_rows(fh, path.name)


@app.command("check")
def check_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="CSV/XLSX/TXT：一列证件号码（表头“证件号码”，或无表头的第一列）")],
    department: Annotated[str, typer.Option("--department", help="发起核查的部门编码")],
    scenario: Annotated[str, typer.Option("--scenario", help="业务场景编码")],
    purpose: Annotated[str, typer.Option("--purpose", help="核查目的")],
    business_ref: Annotated[str | None, typer.Option("--business-ref", help="业务编号")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="结果文件（CSV）；缺省为 输入文件名.结果.csv")] = None,
) -> None:
    """批量核查一个文件中的人员（如招录报名名单），显示进度并写出结果文件。"""
    from chengxin.callers import Caller
    from chengxin.checks.batch import run_batch
    from chengxin.checks.files import HEADER, result_row, summary_text
    from chengxin.checks.service import CheckContext, require_scenario
    from chengxin.clock import today
    from chengxin.crypto import load_keys
    from chengxin.db import make_sessionmaker
    from chengxin.departments import repository as departments
    from chengxin.editions.service import in_force_or_packaged
    from chengxin.publicity.rules import default_tiers

    settings = get_settings()
    engine = _engine(settings)
    factory = make_sessionmaker(engine)
    out_path = output or file.with_name(file.stem + ".结果.csv")
    try:
        keys = load_keys(settings)
        catalog, points, measures = in_force_or_packaged(factory)
        ctx = CheckContext(catalog, measures, default_tiers(), points)
        require_scenario(ctx.measures, scenario)
        with factory() as session:
            if departments.get(session, department) is None:
                raise DomainError("DEPARTMENT_UNKNOWN", f"未登记的部门编码：{department}")
        items = list(_identifier_rows(file))
        if len(items) > settings.max_batch_check:
            raise DomainError("BATCH_TOO_LARGE", f"一次最多核查 {settings.max_batch_check} 个号码")
        caller = Caller.of(frozenset({"checker"}), department_code=department)
        lines = run_batch(factory, ctx, keys, caller, items, scenario=scenario,
                          business_ref=business_ref, purpose=purpose, as_of=today(),
                          processes=settings.batch_processes)
        columns = (TextColumn("[bold]核查[/bold] {task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total}"), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar, out_path.open("w", newline="", encoding="utf-8-sig") as fh:
            task = bar.add_task(file.name, total=len(items))
            out = csv.writer(fh)
            out.writerow(HEADER)
            summary: dict = {}
            for line in lines:
                if "summary" in line:
                    summary = line["summary"]
                    continue
                bar.advance(task)
                out.writerow(result_row(line))
    except DomainError as err:
        _fail(err)
    console.print(f"核查完成：{summary_text(summary)}。结果已写入 {out_path}")


jobs_app = typer.Typer(help="定时任务", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("run")
def jobs_run() -> None:
    """执行一次定时任务（幂等）：名单期满通知、回调投递重试、异常使用扫描、归集告知与公示期满通知、
    异议超期督办、修复超期提醒、通知投递、查询日志封存与签名树头、负面信息到期删除（每天一次）。"""
    from chengxin.crypto import load_keys
    from chengxin.db import make_sessionmaker
    from chengxin.jobs import run_once

    settings = get_settings()
    try:
        run = run_once(make_sessionmaker(_engine(settings)), load_keys(settings))
    except DomainError as err:
        _fail(err)
    console.print(f"定时任务完成：期满通知 {run.expiry_events} 条，投递成功 {run.delivered}，"
                  f"待重试 {run.retried}，放弃 {run.failed}，新告警 {run.alerts} 条，"
                  f"归集告知 {run.collection_notices} 条，公示期满通知 {run.publicity_ended} 条，"
                  f"异议超期督办 {run.objections_escalated} 件，修复超期 {run.repairs_overdue} 件，"
                  f"送达通知 {run.notices_delivered} 条，封存查询记录 {run.sealed} 条，"
                  f"到期删除事项 {run.retention_purged} 件")


@jobs_app.command("serve")
def jobs_serve() -> None:
    """不提供 HTTP 服务，只运行定时任务与交换任务（按各自的间隔），与各服务进程一同经数据库选举执行者：
    同一时刻只有一个进程运行这些任务，执行者退出后由另一进程接任。服务进程不再运行时，设
    CHENGXIN_SERVE_JOBS=false。按 Ctrl+C 停止。"""
    import threading
    from types import SimpleNamespace

    from chengxin.catalog import supplement
    from chengxin.db import make_sessionmaker, settings_engine
    from chengxin.editions.service import current_or_packaged
    from chengxin.leader import Leader, background_loops, lock_for, loops_wanted
    from chengxin.startup import prepare

    settings = get_settings()
    try:
        keys = prepare(settings).keys
        if not loops_wanted(settings):
            raise DomainError("JOBS_NOTHING_TO_RUN", "定时任务与交换任务的间隔都为 0，没有要运行的任务", 400)
        factory = make_sessionmaker(settings_engine(settings))
        catalog = supplement.in_force(SimpleNamespace(settings=settings), current_or_packaged(factory)[0])
        leader = Leader(lock_for(settings), settings.jobs_leader_seconds,
                        background_loops(factory, keys, catalog, settings))
    except DomainError as err:
        _fail(err)
    console.print(f"定时任务进程已启动：每 {settings.jobs_leader_seconds:g} 秒尝试成为执行者")
    stop = threading.Event()
    try:
        leader.run(stop)
    except KeyboardInterrupt:
        leader.stop()
        console.print("定时任务进程已停止")


replicas_app = typer.Typer(help="只读备库", no_args_is_help=True)
app.add_typer(replicas_app, name="replicas")


@replicas_app.command("status")
def replicas_status() -> None:
    """显示每个只读备库是否在用及其延迟（与 /healthz 相同的算法：备库已回放的最新一次主库采样距今的秒数）。
    有备库未在使用时退出码为 1，便于监控。"""
    from chengxin.replicas import ReplicaSet, status_lines

    settings = get_settings()
    engine = _engine(settings)
    try:
        replicas = ReplicaSet.from_settings(settings, engine)
    except ValueError as err:
        console.print(f"[red]错误[/red]：{err}")
        raise typer.Exit(2) from None
    if replicas is None:
        typer.echo(status_lines([], settings.replica_max_lag_seconds)[0])
        return
    try:
        replicas.measure()
        status = replicas.status()
    finally:
        replicas.close()
        engine.dispose()
    for line in status_lines(status, settings.replica_max_lag_seconds, reads=False):
        typer.echo(line)
    if not all(row["in_use"] for row in status):
        raise typer.Exit(1)


def _write_report(session, batch_id: str, path: Path) -> None:
    from chengxin.records.repository import batch_issues

    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["行号", "字段", "级别", "错误码", "说明"])
        offset = 0
        while True:
            page = batch_issues(session, batch_id, 5000, offset)
            if not page:
                break
            for i in page:
                out.writerow([i.row, i.field or "", "拒收" if i.level == "error" else "提示",
                              i.code, i.message])
            offset += len(page)


from chengxin.access.cli import audit_app  # noqa: E402  (its commands import this module lazily)

app.add_typer(audit_app, name="audit")


def main() -> None:  # pragma: no cover
    sys.exit(app())
