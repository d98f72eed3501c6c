"""Yes/no facts about a person on a day, read off their credit file: the facts the certificate of
no serious dishonesty record and the credential's claims state. One definition, used by both, so a
certificate and a credential never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from chengxin.creditfile.schemas import CreditFile, MatterOut


@dataclass(frozen=True, slots=True)
class Standing:
    """What is true of the person's own matters on `file.as_of`."""

    black: tuple[MatterOut, ...]  # on a black list (严重失信主体名单) that day
    red: tuple[MatterOut, ...]  # on a red list (守信激励对象名单) that day
    serious: tuple[MatterOut, ...]  # serious dishonesty records in publicity that day (black listings included)

    @property
    def blacklisted(self) -> bool:
        return bool(self.black)

    @property
    def clean(self) -> bool:
        """No serious dishonesty record in publicity: what the certificate states."""
        return not self.serious


def own_matters(file: CreditFile) -> list[MatterOut]:
    return [m for cat in file.categories for m in cat.matters]


def listed_on(m: MatterOut, list_type: str) -> bool:
    return m.listing is not None and m.listing.list_type == list_type and m.listing.listed


def serious_in_publicity(m: MatterOut) -> bool:
    """A serious dishonesty record still publicised that day, or an active black listing."""
    if listed_on(m, "black"):
        return True
    return m.nature == "negative" and m.severity == "serious" and m.publicity.status == "in_publicity"


def standing(file: CreditFile) -> Standing:
    """The person's standing on the file's day (their own matters; an organisation's are not theirs)."""
    own = own_matters(file)
    return Standing(
        black=tuple(m for m in own if listed_on(m, "black")),
        red=tuple(m for m in own if listed_on(m, "red")),
        serious=tuple(m for m in own if serious_in_publicity(m)),
    )
