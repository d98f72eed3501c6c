"""Typed legal and policy bases (依据): each has a level, a citation and what it covers.

Shared by the measure list (sanctions/measures.py) and the catalog (catalog/rules.py), which
both refuse data whose basis is too weak for what it does (R13). Pure values, no I/O.

Levels follow 《立法法》 and the forms of central policy documents; `rank` orders them for
"the strongest basis". R13 asks a rights-reducing measure to rest on a law, an administrative
regulation or a policy document of the Party Central Committee or the State Council. A judicial
interpretation (法释) of the Supreme People's Court applies a law in court enforcement and binds
courts like the law it interprets (《立法法》第一百一十九条), so it counts as national for R13, ranked
just below administrative regulations; a court's other documents (法〔2016〕285号) are normative.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

LEVELS: dict[str, str] = {
    "law": "法律",
    "administrative_regulation": "行政法规",
    "judicial_interpretation": "司法解释",
    "central_policy": "党中央、国务院政策文件",
    "departmental_rule": "部门规章",
    "local_regulation": "地方性法规",
    "local_government_rule": "地方政府规章",
    "normative": "规范性文件",
}
RANK: dict[str, int] = {
    "law": 8,
    "administrative_regulation": 7,
    "judicial_interpretation": 6,
    "central_policy": 5,
    "departmental_rule": 4,
    "local_regulation": 3,
    "local_government_rule": 2,
    "normative": 1,
}
# R13: what may reduce a person's rights or add to their duties.
NATIONAL = frozenset({"law", "administrative_regulation", "judicial_interpretation", "central_policy"})
# A body with rule-making power (a State Council department, a local people's congress or
# government) may set up management measures within its powers; a normative document alone may not.
RULE_MAKING = NATIONAL | {"departmental_rule", "local_regulation", "local_government_rule"}
_SCOPE_KEYS = frozenset({"items", "lists"})


class BasisError(ValueError):
    """A basis entry is malformed; the message is Chinese and says why."""


@dataclass(frozen=True, slots=True)
class Basis:
    """One basis: its level, its citation, and (when it covers only some) the items/lists it covers."""

    level: str
    citation: str
    items: tuple[str, ...] | None = None  # None: not limited to some catalog items
    lists: tuple[str, ...] | None = None  # None: not limited to some list types

    @property
    def level_label(self) -> str:
        return LEVELS[self.level]

    @property
    def rank(self) -> int:
        return RANK[self.level]

    @property
    def scope_label(self) -> str:
        """What a limited basis covers, as a person reads it ("" when unlimited)."""
        parts = [*(self.items or ()), *(self.lists or ())]
        return "、".join(parts)


def _scope_codes(value: object, known: Collection[str] | None, where: str, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise BasisError(f"{where}：适用范围的{what}必须是非空的编码列表")
    if known is not None:
        unknown = [v for v in value if v not in known]
        if unknown:
            raise BasisError(f"{where}：适用范围含未知的{what}编码 {unknown}")
    return tuple(value)


def parse_bases(value: object, where: str, *, items: Collection[str] | None = None,
                lists: Collection[str] | None = None) -> tuple[Basis, ...]:
    """A non-empty list of {level, citation, scope?}; scope = {items?: [...], lists?: [...]}."""
    if isinstance(value, str) or not isinstance(value, list) or not value:
        raise BasisError(f"{where}：法律政策依据（legal_basis）必须是非空列表，"
                         "每项写明 level（层级）和 citation（文件及条款）")
    out: list[Basis] = []
    for i, entry in enumerate(value):
        at = f"{where}的第 {i + 1} 项依据"
        if not isinstance(entry, Mapping) or not {"level", "citation"} <= set(entry) \
                or set(entry) - {"level", "citation", "scope"}:
            raise BasisError(f"{at}：应写成 {{level, citation, scope（可选）}}")
        level = entry["level"]
        if level not in LEVELS:
            raise BasisError(f"{at}：未知的依据层级 {level!r}（可选 {'、'.join(LEVELS)}）")
        citation = entry["citation"]
        if not isinstance(citation, str) or not citation.strip():
            raise BasisError(f"{at}：citation（文件名称、文号及条款）必须是非空文字")
        scope = entry.get("scope")
        scoped_items = scoped_lists = None
        if scope is not None:
            if not isinstance(scope, Mapping) or not scope or set(scope) - _SCOPE_KEYS:
                raise BasisError(f"{at}：scope 只能写 items（目录项）和/或 lists（名单类型）")
            if "items" in scope:
                scoped_items = _scope_codes(scope["items"], items, at, "目录项")
            if "lists" in scope:
                scoped_lists = _scope_codes(scope["lists"], lists, at, "名单类型")
        out.append(Basis(level, " ".join(citation.split()), scoped_items, scoped_lists))
    return tuple(out)


def strongest(bases: Collection[Basis]) -> Basis:
    """The basis of the highest level (the first of equals)."""
    return max(bases, key=lambda b: b.rank)


def citations(bases: Collection[Basis]) -> str:
    """The citations as one text, for places that show the basis as a sentence."""
    return "；".join(b.citation for b in bases)


def uncovered(bases: Collection[Basis], items: Collection[str], lists: Collection[str],
              severities: Collection[str]) -> list[str]:
    """What a target reaches beyond the union of what these bases cover ([] when all is covered).

    A target by severity (any record of that tier) is wider than a basis limited to some
    items or lists; a target without items is wider than a basis limited to some items.
    """
    if not bases:
        return ["（没有足够层级的依据）"]
    beyond: list[str] = []
    if all(b.items is not None for b in bases):
        covered = {code for b in bases for code in b.items or ()}
        if not items:
            beyond.append("全部目录项（未限定 items）")
        beyond += [code for code in items if code not in covered]
    if all(b.lists is not None for b in bases):
        covered = {code for b in bases for code in b.lists or ()}
        beyond += [code for code in lists if code not in covered]
        beyond += [f"失信程度 {s}" for s in severities]
    return beyond
