"""Identity-verification providers for a person's sign-in (统一身份认证 plugs in here).

A provider proves that the caller holds an identity. A deployment registers the
government's unified identity authentication under a name; the demo provider
issues a one-time code that the server prints on its console.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the provider reached the person (shown to them), never the code itself."""

    channel: str
    hint: str


class IdentityProvider(Protocol):
    name: str

    def send_code(self, challenge_id: str, display_name: str | None) -> tuple[str, Delivery]:
        """Make and deliver a one-time code; returns it (to be stored hashed) and how it went."""
        ...


class DemoProvider:
    """Demo only: the code is printed on the server console (stderr), with the challenge id."""

    name = "demo"

    def send_code(self, challenge_id: str, display_name: str | None) -> tuple[str, Delivery]:
        code = f"{secrets.randbelow(1_000_000):06d}"
        print(f"【演示身份认证】挑战 {challenge_id} 的验证码：{code}", file=sys.stderr, flush=True)
        return code, Delivery("demo_console", "演示环境：验证码已打印在服务器控制台")


PROVIDERS: dict[str, type[DemoProvider]] = {"demo": DemoProvider}


def provider(name: str) -> IdentityProvider:
    try:
        return PROVIDERS[name]()
    except KeyError:
        from chengxin.errors import DomainError

        raise DomainError("CONFIG_IDENTITY_PROVIDER", f"未知的身份认证服务“{name}”", 500) from None
