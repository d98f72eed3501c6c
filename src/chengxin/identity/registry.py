"""The population registry (人口基础信息库): does it hold this number under this name?

`PopulationRegistry.verify` answers with a `Verdict`; it never raises, so a registry that cannot be
reached is an answer (`unavailable`, with the reason), never an error shown to the user. The setting
`population_registry` chooses the adapter, like `identity_provider` chooses the sign-in provider:
`demo` (the default: the demo registry, 演示户籍库), `none` (no registry), or the https address of a
registry gateway that takes {id_type, id_number, name} as JSON and answers {result, name}.

The registry's name is for the credit office only. Nothing here logs a number.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urlsplit

import httpx

from chengxin.clock import utcnow
from chengxin.errors import DomainError

if TYPE_CHECKING:
    from chengxin.settings import Settings

log = logging.getLogger(__name__)

Result = Literal["match", "name_differs", "not_found", "unavailable"]
RESULTS: tuple[Result, ...] = ("match", "name_differs", "not_found", "unavailable")
RESULT_LABELS = {"match": "姓名与户籍一致", "name_differs": "姓名与户籍不一致", "not_found": "户籍库中没有此号码",
                 "unavailable": "未能核验"}
DEMO_LABEL = "演示户籍库"
GATEWAY_LABEL = "人口基础信息库"


@dataclass(frozen=True, slots=True)
class Verdict:
    """One answer of the registry. `name` is the registry's name when it differs (for the credit
    office only); `reason` says why there was no answer (`unavailable`) or why nobody was found."""

    result: Result
    at: datetime
    source: str  # who answered, in Chinese: 演示户籍库 or 人口基础信息库
    demo: bool
    name: str | None = None
    reason: str | None = None


class PopulationRegistry(Protocol):
    label: str
    demo: bool

    def verify(self, id_type: str, id_number: str, name: str) -> Verdict:
        """Whether the registry holds `id_number` (normalised, of `id_type`) under `name`. Never raises."""
        ...


class DemoRegistry:
    """Demo only (演示户籍库): it holds every checksum-valid citizen ID number under the name the demo
    generator gives that number (`chengxin.demo.synth.registered_name`), so the demo population is in
    it, and nobody real. Other kinds of document are not in it, as in the real population registry."""

    label = DEMO_LABEL
    demo = True

    def verify(self, id_type: str, id_number: str, name: str) -> Verdict:
        from chengxin.conflicts.rules import same_name
        from chengxin.demo.synth import registered_name
        from chengxin.identity.rules import IdentityError, parse_citizen_id

        now = utcnow()
        if id_type != "citizen_id":
            return Verdict("not_found", now, self.label, True, reason="演示户籍库只登记居民身份证号码")
        try:
            number = parse_citizen_id(id_number).number
        except IdentityError:
            return Verdict("not_found", now, self.label, True, reason="号码不是有效的公民身份号码")
        held = registered_name(number)
        if same_name(held, name):
            return Verdict("match", now, self.label, True)
        return Verdict("name_differs", now, self.label, True, name=held)


class GatewayRegistry:
    """A registry gateway over HTTP: POST {id_type, id_number, name} as JSON, read {result, name}
    (`result` one of match / name_differs / not_found; `name` the registry's name when it differs).
    A timeout, an error status or an answer it cannot read is `unavailable`."""

    label = GATEWAY_LABEL
    demo = False

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self.timeout = url, timeout

    def verify(self, id_type: str, id_number: str, name: str) -> Verdict:
        try:
            res = httpx.post(self.url, json={"id_type": id_type, "id_number": id_number, "name": name},
                             timeout=self.timeout)
        except httpx.TimeoutException:
            return self._unavailable(f"户籍核验服务超过 {self.timeout:g} 秒未答复")
        except httpx.HTTPError as exc:
            return self._unavailable("无法连接户籍核验服务", type(exc).__name__)
        if res.status_code != 200:
            return self._unavailable(f"户籍核验服务答复出错（HTTP {res.status_code}）")
        try:
            body = res.json()
            result, held = body["result"], body.get("name")
        except (ValueError, KeyError, TypeError, AttributeError):
            return self._unavailable("户籍核验服务的答复无法识别")
        if result not in ("match", "name_differs", "not_found") or not (held is None or isinstance(held, str)):
            return self._unavailable("户籍核验服务的答复无法识别")
        return Verdict(result, utcnow(), self.label, False,
                       name=(held.strip()[:100] or None) if result == "name_differs" and held else None)

    def _unavailable(self, reason: str, detail: str = "") -> Verdict:
        log.warning("population registry unavailable: %s %s", reason, detail)  # never the number
        return Verdict("unavailable", utcnow(), self.label, False, reason=reason)


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def population_registry(setting: str, timeout: float) -> PopulationRegistry | None:
    """The registry the setting names; None when switched off. Plain http only to this machine
    (a gateway's local sidecar): a number never crosses the network unencrypted."""
    if setting == "none":
        return None
    if setting == "demo":
        return DemoRegistry()
    parts = urlsplit(setting)
    if (parts.scheme == "https" and parts.hostname) or (parts.scheme == "http" and _loopback(parts.hostname)):
        return GatewayRegistry(setting, timeout)
    raise DomainError("CONFIG_POPULATION_REGISTRY",
                      "户籍核验服务应为 demo、none 或户籍核验网关的 https 地址", 500)


def from_settings(settings: Settings) -> PopulationRegistry | None:
    return population_registry(settings.population_registry, settings.population_registry_timeout)
