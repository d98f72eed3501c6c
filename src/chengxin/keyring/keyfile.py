"""Rotation steps on the key file: each a small change to its document, written atomically
under the key file's lock (format 1 files are upgraded in place; unknown fields, like the
signing key, are kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chengxin.crypto import new_secret, update_key_file
from chengxin.errors import DomainError
from chengxin.keyring.rules import next_key_id
from chengxin.settings import Settings


def key_file_of(settings: Settings) -> Path:
    """The key file rotation works on; refused when the secrets come from the environment."""
    if settings.hash_secret and settings.encryption_key:
        raise DomainError(
            "KEYS_FROM_ENVIRONMENT",
            "当前密钥来自环境变量，命令行无法改写：请用 chengxin keys generate 生成新密钥，按 README"
            "“密钥轮换”一节设置 CHENGXIN_ENCRYPTION_KEY / CHENGXIN_ENCRYPTION_KEY_ID / CHENGXIN_OLD_ENCRYPTION_KEYS"
            "（或 CHENGXIN_HASH_SECRET / CHENGXIN_HASH_VERSION / CHENGXIN_PREVIOUS_HASH_SECRET）后滚动重启", 409)
    return settings.resolved_key_file


def used_ids(doc: dict[str, Any]) -> list[int]:
    return [int(doc.get("key_id", 1)), *map(int, doc.get("old_encryption_keys") or {}),
            *map(int, doc.get("retired_key_ids") or [])]


def rotate_encryption(path: Path) -> int:
    """A new current encryption key; the old current key stays, for decryption only."""
    new_id: list[int] = []

    def change(doc: dict[str, Any]) -> None:
        kid = next_key_id(used_ids(doc))
        if kid is None:
            raise DomainError("KEYS_ID_EXHAUSTED", "密钥编号已用尽（最多 255 个）", 409)
        old = dict(doc.get("old_encryption_keys") or {})
        old[str(int(doc.get("key_id", 1)))] = doc["encryption_key"]
        doc.update(old_encryption_keys=old, encryption_key=new_secret(), key_id=kid)
        new_id.append(kid)

    update_key_file(path, change)
    return new_id[0]


def retire_encryption(path: Path, key_id: int) -> None:
    """Drop an old encryption key (the caller has checked that no ciphertext uses it)."""

    def change(doc: dict[str, Any]) -> None:
        old = dict(doc.get("old_encryption_keys") or {})
        if str(key_id) not in old:
            raise DomainError("KEYS_UNKNOWN_ID", f"密钥文件中没有编号为 {key_id} 的旧密钥", 404)
        del old[str(key_id)]
        doc["old_encryption_keys"] = old
        doc["retired_key_ids"] = sorted({*map(int, doc.get("retired_key_ids") or []), key_id})

    update_key_file(path, change)


def rotate_hash(path: Path) -> int:
    """A new hash secret; the previous one is kept until every subject is re-keyed."""
    version: list[int] = []

    def change(doc: dict[str, Any]) -> None:
        if doc.get("previous_hash_secret"):
            raise DomainError("KEYS_REKEY_IN_PROGRESS", "上一次主体键重算尚未完成："
                              "请先运行 chengxin keys rekey 与 chengxin keys finish-rekey", 409)
        v = int(doc.get("hash_version", 1)) + 1
        doc.update(previous_hash_secret=doc["hash_secret"], hash_secret=new_secret(), hash_version=v)
        version.append(v)

    update_key_file(path, change)
    return version[0]


def finish_rekey(path: Path) -> None:
    """Forget the previous hash secret (the caller has checked that nothing is left under it)."""

    def change(doc: dict[str, Any]) -> None:
        if not doc.pop("previous_hash_secret", None):
            raise DomainError("KEYS_NOT_REKEYING", "当前没有进行中的主体键重算", 409)

    update_key_file(path, change)
