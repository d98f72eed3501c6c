"""`chengxin keys ...` rotation commands (registered on the `keys` group by `chengxin.cli`).

The order of a rotation, and why each step is safe with servers running, is in README
("密钥轮换"). Each command owns its transactions; every long step is resumable.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from chengxin.errors import DomainError


def _cli() -> Any:
    from chengxin import cli  # the main CLI module (loaded by the time a command runs)

    return cli


def _setup() -> tuple[Any, Any, Any]:
    """(settings, session factory, keys) of the configured platform."""
    from chengxin.crypto import load_keys
    from chengxin.db import make_sessionmaker
    from chengxin.settings import get_settings

    settings = get_settings()
    return settings, make_sessionmaker(_cli()._engine(settings)), load_keys(settings)


def _left(left: dict[str, int]) -> str:
    return f"自然人 {left['persons']}，组织 {left['organisations']}，旧键残留 {left['strays']}"


def _bar(console: Any) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console)


def keys_status() -> None:
    """显示密钥状态：当前加密密钥编号、仍可解密的旧密钥、各密钥下的密文数量、主体键版本与重算进度。"""
    from chengxin.keyring import service

    console = _cli().console
    try:
        _, factory, keys = _setup()
        live = keys.live()
        with factory() as session:
            use = service.usage(session)
            left = service.rekey_remaining(session, keys) if live.previous_hash_secret else None
    except DomainError as err:
        _cli()._fail(err)
    console.print(f"当前加密密钥：{live.key_id}；仍可解密的旧密钥：{[i for i, _ in live.old_keys] or '无'}")
    for column, per in use.items():
        spread = "，".join(f"密钥 {k}：{n} 条" for k, n in sorted(per.items())) or "无密文"
        console.print(f"  {column}：{spread}")
    console.print(f"主体键版本：{live.hash_version}")
    if left is not None:
        console.print(f"[yellow]主体键重算进行中[/yellow]：待处理{_left(left)}")


def keys_generate() -> None:
    """生成一个新的随机密钥（32 字节，base64），供以环境变量配置密钥的部署使用。"""
    from chengxin.crypto import new_secret

    typer.echo(new_secret())


def rotate_encryption() -> None:
    """生成新的加密密钥并设为当前密钥（旧密钥保留用于解密）；运行中的服务数秒内自动改用新密钥。"""
    from chengxin.crypto import RELOAD_SECONDS
    from chengxin.keyring import keyfile
    from chengxin.settings import get_settings

    console = _cli().console
    try:
        path = keyfile.key_file_of(get_settings())
        kid = keyfile.rotate_encryption(path)
    except DomainError as err:
        _cli()._fail(err)
    console.print(f"已生成加密密钥 {kid} 并设为当前密钥（密钥文件 {path}，权限 0600）。"
                  f"运行中的服务将在 {RELOAD_SECONDS:g} 秒内改用新密钥，旧密钥仍可解密。")
    console.print(f"下一步：等待 {RELOAD_SECONDS:g} 秒后运行 chengxin keys reencrypt，完成后再停用旧密钥。"
                  "请立即备份新的密钥文件。")


def reencrypt(
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="每个事务处理的行数")] = 1000,
) -> None:
    """把所有不在当前密钥下的密文重新加密（分批提交，可随时中断后重跑）。"""
    from chengxin.keyring import service

    console = _cli().console
    try:
        _, factory, keys = _setup()
        current = keys.current_key_id
        with factory() as session:
            total = service.pending_reencryption(session, current)
        with _bar(console) as bar:
            task = bar.add_task(f"重新加密到密钥 {current}", total=total)
            done = service.reencrypt(factory, keys, batch, lambda _what, n: bar.advance(task, n))
        with factory() as session:
            use = service.usage(session)
    except DomainError as err:
        _cli()._fail(err)
    console.print("重新加密完成：" + "，".join(f"{c} {n} 条" for c, n in done.items()))
    olds = sorted({k for per in use.values() for k in per if k != current})
    if olds:
        console.print(f"[yellow]仍有密文使用旧密钥 {olds}[/yellow]（可能是重跑期间新写入的），请再运行一次。")
    else:
        console.print("所有密文均已使用当前密钥；可用 chengxin keys retire 编号 停用旧密钥。")


def retire(key_id: Annotated[int, typer.Argument(help="要停用的旧加密密钥编号")]) -> None:
    """停用一个旧加密密钥：仍有密文使用它时拒绝。"""
    from chengxin.keyring import keyfile, service

    console = _cli().console
    try:
        settings, factory, keys = _setup()
        path = keyfile.key_file_of(settings)
        with factory() as session:
            problem = service.retire_problem(session, keys, key_id)
        if problem:
            raise DomainError("KEYS_STILL_IN_USE", problem, 409)
        keyfile.retire_encryption(path, key_id)
    except DomainError as err:
        _cli()._fail(err)
    console.print(f"已停用加密密钥 {key_id}，该编号不会再被使用。请同时更新密钥文件的备份。")


def rotate_hash() -> None:
    """生成新的主体键 HMAC 密钥（保留上一版直至重算完成）；之后运行 chengxin keys rekey。"""
    from chengxin.crypto import RELOAD_SECONDS
    from chengxin.keyring import keyfile
    from chengxin.settings import get_settings

    console = _cli().console
    try:
        path = keyfile.key_file_of(get_settings())
        version = keyfile.rotate_hash(path)
    except DomainError as err:
        _cli()._fail(err)
    console.print(f"已生成第 {version} 版主体键密钥；运行中的服务将在 {RELOAD_SECONDS:g} 秒内"
                  "开始“先新键、后旧键”查找。")
    console.print("下一步：chengxin keys rekey（自动等待各服务切换），完成后 chengxin keys finish-rekey。"
                  "请立即备份新的密钥文件。")


def rekey(
    batch: Annotated[int, typer.Option(min=1, max=10_000, help="每个事务处理的主体数")] = 500,
) -> None:
    """把所有自然人与组织的主体键重算为新版本（每批一个事务，可中断后重跑；查询日志不改写，以别名表关联）。"""
    from chengxin.crypto import RELOAD_SECONDS
    from chengxin.keyring import repository as repo
    from chengxin.keyring import service

    console = _cli().console
    try:
        settings, factory, keys = _setup()
        fixed = service.require_rekeying(keys)
        # Servers re-read the key file every RELOAD_SECONDS: wait until all of them resolve both keys.
        age = time.time() - settings.resolved_key_file.stat().st_mtime if settings.resolved_key_file.exists() else 1e9
        if age < 2 * RELOAD_SECONDS:
            console.print(f"等待 {2 * RELOAD_SECONDS - age:.0f} 秒，让运行中的服务读到新密钥……")
            time.sleep(2 * RELOAD_SECONDS - age)
        with factory() as session:
            persons = repo.count_not_done(session, "persons", "person_key", fixed.hash_version)
            orgs = repo.count_not_done(session, "organisations", "subject_key", fixed.hash_version)
        with _bar(console) as bar:
            tasks = {"persons": bar.add_task("自然人", total=persons),
                     "organisations": bar.add_task("组织", total=orgs),
                     "strays": bar.add_task("旧键残留", total=None)}
            result = service.rekey(factory, keys, batch, lambda what, n: bar.advance(tasks[what], n))
        with factory() as session:
            left = service.rekey_remaining(session, keys)
    except DomainError as err:
        _cli()._fail(err)
    moved = sum(result.rows.values())
    console.print(f"重算完成：自然人 {result.persons}，组织 {result.organisations}，改写数据行 {moved}，"
                  f"旧键残留 {result.strays}。")
    if any(left.values()):
        console.print(f"[yellow]仍有待处理：{_left(left)}[/yellow]；请再运行一次 chengxin keys rekey。")
    else:
        console.print("全部主体已使用新版本主体键；运行 chengxin keys finish-rekey 删除上一版密钥。")


def finish_rekey() -> None:
    """结束主体键重算：再次清扫旧键残留，确认无遗留后从密钥文件删除上一版 HMAC 密钥。"""
    from chengxin.keyring import keyfile, service

    console = _cli().console
    try:
        settings, factory, keys = _setup()
        path = keyfile.key_file_of(settings)
        fixed = service.require_rekeying(keys)
        service.sweep(factory, fixed.hash_version)
        with factory() as session:
            left = service.rekey_remaining(session, keys)
        if any(left.values()):
            raise DomainError("KEYS_REKEY_UNFINISHED", f"仍有主体未重算（{_left(left)}）；请先运行 chengxin keys rekey",
                              409)
        keyfile.finish_rekey(path)
    except DomainError as err:
        _cli()._fail(err)
    console.print("已删除上一版主体键密钥。查询日志中的旧主体键仍可通过别名表关联到本人。请更新密钥文件的备份。")


def register(keys_app: typer.Typer) -> None:
    """Add the rotation commands to `chengxin keys`."""
    keys_app.command("status")(keys_status)
    keys_app.command("generate")(keys_generate)
    keys_app.command("rotate-encryption")(rotate_encryption)
    keys_app.command("reencrypt")(reencrypt)
    keys_app.command("retire")(retire)
    keys_app.command("rotate-hash")(rotate_hash)
    keys_app.command("rekey")(rekey)
    keys_app.command("finish-rekey")(finish_rekey)
