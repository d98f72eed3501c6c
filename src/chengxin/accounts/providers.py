"""Identity-verification providers for a person's sign-in (统一身份认证 plugs in here).

A provider proves that the caller holds an identity. A deployment registers the
government's unified identity authentication under a name; the demo provider
issues a one-time code that the server prints on its console.

A real-name provider checks the number and the name against the population registry before it
reaches the person, and afterwards tells the platform the name it verified (`verified_name`):
that name is the person's identity name (chengxin.conflicts.rules, source identity_provider).
The demo provider verifies nothing, so the platform compares the name typed with the one it holds.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from typing import Protocol

from chengxin.identity.rules import Identifier


@dataclass(frozen=True, slots=True)
class Delivery:
    """How the provider reached the person (shown to them), never the code itself."""

    channel: str
    hint: str


class IdentityProvider(Protocol):
    name: str

    def send_code(self, challenge_id: str, ident: Identifier, display_name: str) -> tuple[str, Delivery]:
        """Make and deliver a one-time code to the holder of `ident`; returns it (to be stored hashed)
        and how it went. It answers alike whether or not it knows the identity (a code that reaches
        nobody), so that the answer reveals nothing."""
        ...

    def verified_name(self, challenge_id: str) -> str | None:
        """After the code was entered correctly: the name the provider verified for the identity,
        or None when it does not verify names."""
        ...


class DemoProvider:
    """Demo only: the code is printed on the server console (stderr), with the challenge id."""

    name = "demo"

    def send_code(self, challenge_id: str, ident: Identifier, display_name: str) -> tuple[str, Delivery]:
        code = f"{secrets.randbelow(1_000_000):06d}"
        print(f"【演示身份认证】挑战 {challenge_id} 的验证码：{code}", file=sys.stderr, flush=True)
        return code, Delivery("demo_console", "演示环境：验证码已打印在服务器控制台")

    def verified_name(self, challenge_id: str) -> str | None:
        return None


PROVIDERS: dict[str, type[IdentityProvider]] = {"demo": DemoProvider}


def provider(name: str) -> IdentityProvider:
    try:
        return PROVIDERS[name]()
    except KeyError:
        from chengxin.errors import DomainError

        raise DomainError("CONFIG_IDENTITY_PROVIDER", f"未知的身份认证服务“{name}”", 500) from None
