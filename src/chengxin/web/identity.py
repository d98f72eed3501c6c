"""The portal's identity as a government website (《政府网站发展指引》): its name, 主办单位, contact and
the footer numbers, from settings. A value still at its packaged default is a demo value, and the
pages say so beside it: a deployment that forgets one cannot pass it off as real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chengxin.settings import Settings

FIELDS = ("site_name", "site_host", "site_operator", "site_phone", "site_email", "site_address", "site_hours",
          "site_code", "site_icp", "site_police")
# The values that say who runs the site: still at their packaged default, they are demo values (the
# office hours are a plausible default, not a claim).
CLAIMS = frozenset(FIELDS) - {"site_hours"}


@dataclass(frozen=True, slots=True)
class SiteIdentity:
    name: str
    host: str
    operator: str
    phone: str
    email: str
    address: str
    hours: str
    code: str
    icp: str
    police: str
    privacy_updated: date
    demo: frozenset[str]  # the attributes above still at their demo value

    def is_demo(self, attribute: str) -> bool:
        return attribute in self.demo

    @property
    def any_demo(self) -> bool:
        return bool(self.demo)


def site_identity(settings: Settings) -> SiteIdentity:
    values = {f: getattr(settings, f) for f in FIELDS}
    demo = frozenset(f.removeprefix("site_") for f in CLAIMS if values[f] == Settings.model_fields[f].default)
    return SiteIdentity(**{f.removeprefix("site_"): v.strip() for f, v in values.items()},
                        privacy_updated=settings.site_privacy_updated, demo=demo)
