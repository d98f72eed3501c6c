"""Who may set a person's identity name, and when differing data becomes a conflict: pure rules.

A person's name is shown on every surface and checked at sign-in, so it changes only on an
authoritative word: the population registry item (a catalog item marked `identity_source`), a
real-name identity provider, or the credit office resolving a conflict. A department that
writes a known number with another name raises a conflict instead of renaming anyone. The same
goes for an organisation's name and responsible persons, which belong to the department that
registered the organisation.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

# Where a person's current name came from.
SUBMITTED = "submitted"  # a department's record, list entry or organisation registration
REGISTRY = "registry"  # the population registry item
IDENTITY_PROVIDER = "identity_provider"  # a real-name identity provider at sign-in
OFFICE = "office"  # the credit office, resolving a conflict
AUTHORITATIVE = frozenset({REGISTRY, IDENTITY_PROVIDER, OFFICE})
NAME_SOURCE_LABELS = {
    SUBMITTED: "部门报送（未经核实）",
    REGISTRY: "户籍登记信息",
    IDENTITY_PROVIDER: "统一身份认证",
    OFFICE: "信用办核实",
}

PERSON_NAME = "person_name"
ORG_NAME = "org_name"
ORG_ROLES = "org_roles"
KIND_LABELS = {PERSON_NAME: "自然人姓名", ORG_NAME: "组织名称", ORG_ROLES: "组织责任人"}

OPEN = "open"
KEPT = "kept"
ACCEPTED = "accepted"
CORRECTED = "corrected"
STATUS_LABELS = {OPEN: "待核实", KEPT: "维持原登记", ACCEPTED: "采用报送内容", CORRECTED: "更正为核实结果"}
# decision -> status it leaves; `correct` sets a value the office verified itself (names only).
# `registry` (a person's name) sets the population registry's name: its status follows what that
# name turns out to be (`registry_status`).
DECISIONS = {"keep": KEPT, "accept": ACCEPTED, "correct": CORRECTED, "registry": CORRECTED}

ORIGIN_LABELS = {"record": "信用记录", "organisation": "组织登记", "list_entry": "直接列入名单"}

Outcome = Literal["same", "set", "conflict"]

# Middle dots as they are typed in names of ethnic minorities and foreigners (阿依古丽·买买提).
# Compared after NFKC, which has already folded the full-width ones (U+FF65, U+FF0E).
_DOTS = str.maketrans({c: "\u00b7" for c in "\u2022\u2027\u2219\u22c5\u30fb."})


# Whitespace next to a character outside ASCII (张 三) is a typing slip; between Latin words it is not.
_SPACE_BY_WIDE = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")


def normal_name(name: str) -> str:
    """A name as compared: full-width forms folded (NFKC), middle dots unified, spaces beside Chinese
    characters dropped and other runs collapsed, Latin letters case-folded. Only for comparing; the
    stored name is what was written."""
    folded = _SPACE_BY_WIDE.sub("", unicodedata.normalize("NFKC", name).translate(_DOTS))
    return " ".join(folded.split()).casefold()


def same_name(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    if a is None or b is None:
        return False
    return normal_name(a) == normal_name(b)


def name_outcome(current: str | None, current_source: str | None, claimed: str | None,
                 claimed_source: str) -> Outcome:
    """What a claimed name does to a person's current name.

    `same`: nothing changes. `set`: the claim becomes the name (an authority speaks, or there is no
    name yet). `conflict`: a department's differing name, which changes nothing and goes to the
    credit office. An authority's claim always sets (and so upgrades the name's source)."""
    if not claimed:
        return "same"
    if claimed_source in AUTHORITATIVE:
        if current == claimed and current_source == claimed_source:
            return "same"
        return "set"
    if current is None:
        return "set"
    return "same" if same_name(current, claimed) else "conflict"


def open_key(kind: str, department_code: str, claimed: str) -> str:
    """What makes a claim the same claim while it is open: one conflict per subject, kind,
    department and claimed value, however often it is submitted again."""
    return hashlib.sha256(f"{kind}\x1f{department_code}\x1f{claimed}".encode()).hexdigest()


Role = tuple[str, str, str | None]  # (person key, role, since as ISO date or None)


def roles_json(roles: Iterable[Role]) -> str:
    """A canonical text of a set of roles: the same roles give the same text in any order."""
    rows = sorted({(k, r, s) for k, r, s in roles})
    return json.dumps([{"person_key": k, "role": r, "since": s} for k, r, s in rows],
                      ensure_ascii=False, separators=(",", ":"))


def roles_of_json(text: str) -> list[Role]:
    return [(r["person_key"], r["role"], r.get("since")) for r in json.loads(text)]


def same_roles(a: Iterable[Role], b: Iterable[Role]) -> bool:
    """The same persons in the same roles (a start date given or left out is not a difference)."""
    return {(k, r) for k, r, _ in a} == {(k, r) for k, r, _ in b}


Named = tuple[str | None, str | None]  # (name, where it came from)


class NamePlan:
    """What a run of name claims does to the persons they name (see `plan_names`)."""

    __slots__ = ("conflicts", "created", "names", "updated")

    def __init__(self, known: dict[str, Named]) -> None:
        self.names: dict[str, Named] = dict(known)  # every claimed person's name once applied
        self.created: dict[str, int] = {}  # new person -> index of the claim that makes them
        self.updated: list[str] = []  # known persons whose name or its source changes
        self.conflicts: list[tuple[int, str | None]] = []  # (claim index, name it differs from)


def plan_names(known: dict[str, Named], claims: Iterable[tuple[str, str | None, str]]) -> NamePlan:
    """Apply (person key, claimed name, source) claims in order to the persons `known` (key ->
    (name, source)): a person not known is made with the first claim; later claims set, keep or
    conflict by `name_outcome`, each against the name as the earlier ones left it."""
    plan = NamePlan(known)
    names, created, updated = plan.names, plan.created, plan.updated
    for i, (key, name, source) in enumerate(claims):
        current = names.get(key)
        if current is None:
            if key not in created:
                created[key] = i
                names[key] = (name, source)
            continue
        outcome = name_outcome(current[0], current[1], name, source)
        if outcome == "set":
            names[key] = (name, source)
            if key not in created and key not in updated:
                updated.append(key)
        elif outcome == "conflict":
            plan.conflicts.append((i, current[0]))
    return plan


Confirms = Literal["platform", "department", "neither"]


def registry_confirms(platform: str | None, claimed: str, registry_name: str | None) -> Confirms | None:
    """Which of the two names of a person-name conflict the population registry confirms: the
    platform's, the department's, or neither; None when the registry gave no name to compare."""
    if registry_name is None:
        return None
    if same_name(registry_name, platform):
        return "platform"
    if same_name(registry_name, claimed):
        return "department"
    return "neither"


def registry_status(confirms: Confirms) -> str:
    """The status a resolution by the registry's name leaves: kept, accepted or corrected."""
    return {"platform": KEPT, "department": ACCEPTED}.get(confirms, CORRECTED)


def registry_summary(confirms: Confirms | None, platform: str | None, claimed: str, registry_name: str | None,
                     result: str, reason: str | None) -> str:
    """What the credit office reads about the registry's answer (户籍核验：…)."""
    if confirms == "platform":
        return f"户籍核验：与户籍一致的是“{platform}”（平台登记的姓名）"
    if confirms == "department":
        return f"户籍核验：与户籍一致的是“{claimed}”（部门报送的姓名）"
    if confirms == "neither":
        return f"户籍核验：两个姓名都与户籍不一致，户籍登记的姓名为“{registry_name}”"
    if result == "not_found":
        return "户籍核验：户籍库中没有此号码" + (f"（{reason}）" if reason else "")
    if result == "name_differs":
        return "户籍核验：两个姓名都与户籍不一致"
    return "户籍核验：未能核验" + (f"（{reason}）" if reason else "")
