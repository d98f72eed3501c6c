"""The measure list (措施清单) as plain values: what each department must do, and for whom.

`load_measures` reads the versioned YAML and refuses an invalid one: a measure
with no legal or policy basis, one that targets the wrong people for its effect
(R9: no body may widen a measure's targets), or one that names a scenario,
department, domain or catalog item nobody knows. `MeasureList.for_scenario` is
called on every check, so its answer is computed once at load.

Semantics the check engine relies on:

- A punishment hits a record when the record's list type is in `targets.lists`
  or its severity tier (while in publicity) is in `targets.severities`; a
  reward hits a person on a listed red list or meeting a listed condition (R11).
  `targets.items`, when given, further restricts hits to those catalog items,
  and `domains`, when given, to records in those domains.
- Only `prohibition` measures block (拦截); the other kinds are shown to the
  department as what it must or may do. `blocks_when_disputed` says whether a
  hit on a record under objection (异议) still blocks; when false, such a hit is
  reported for manual review instead.
- `applies_to_responsible_persons`: when an organisation is hit, the measure
  also reaches its legal representative and responsible persons (R10).

Every measure has a `nature` and typed bases (chengxin.legalbasis); `_check_basis`
refuses one whose basis is too weak for its nature or narrower than its targets (R13).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from chengxin.catalog.rules import SEVERITIES
from chengxin.datafiles import read_yaml
from chengxin.legalbasis import LEVELS, NATIONAL, RULE_MAKING, Basis, BasisError, citations, parse_bases, uncovered

# --- the vocabulary ------------------------------------------------------------------------

EFFECTS = ("punishment", "reward")
EFFECT_LABELS: dict[str, str] = {"punishment": "失信惩戒", "reward": "守信激励"}
KINDS: dict[str, str] = {
    "prohibition": "依法依规禁止或限制",
    "stricter_review": "从严审核",
    "key_supervision": "重点监管",
    "green_channel": "绿色通道",
    "accept_missing_documents": "容缺受理",
    "priority": "优先办理和便利服务",
}
# R13: what a measure does to a person decides how strong its basis must be.
NATURES: dict[str, str] = {
    "rights_reducing": "减损权益或增加义务",
    "management": "管理措施",
    "market_social": "市场和社会措施",
}
MANDATORY_KINDS = frozenset({"prohibition"})
REWARD_KINDS = frozenset({"green_channel", "accept_missing_documents", "priority"})
PUNISHMENT_KINDS = frozenset(KINDS) - REWARD_KINDS
TARGET_LISTS: dict[str, str] = {"black": "严重失信主体名单", "watch": "重点关注名单", "red": "守信激励名单"}
CONDITIONS: dict[str, str] = {
    "good_record": "具有优良信用记录",
    "no_negative_3y": "连续三年以上无不良信用记录",
}
# What each effect may target: punishments reach dishonesty, rewards reach trust (R9, R11).
_LISTS_FOR_EFFECT = {"punishment": frozenset({"black", "watch"}), "reward": frozenset({"red"})}
_ITEM_NATURE_FOR_EFFECT = {"punishment": "negative", "reward": "positive"}


class MeasureError(Exception):
    """The measure list is invalid; the message says which measure and why."""


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Targets:
    """Whom a measure reaches: list types, severity tiers, catalog items, reward conditions."""

    lists: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()  # integrity-point grades (rewards only, for persons who opted in: R18)


@dataclass(frozen=True, slots=True)
class Measure:
    """One reward or punishment measure: what it does, to whom, where, by whom, on what basis."""

    code: str
    name: str
    effect: str
    kind: str
    targets: Targets
    domains: tuple[str, ...]
    scenarios: tuple[str, ...]
    implementing_departments: tuple[str, ...]
    bases: tuple[Basis, ...]
    blocks_when_disputed: bool
    description: str
    applies_to_responsible_persons: bool
    nature: str = "rights_reducing"

    @property
    def legal_basis(self) -> str:
        """The citations as one sentence (notices, check hits and reports quote it so)."""
        return citations(self.bases)

    @property
    def nature_label(self) -> str:
        """The Chinese name of the measure's nature (e.g. 减损权益或增加义务)."""
        return NATURES[self.nature]

    @property
    def mandatory(self) -> bool:
        """A mandatory measure blocks the business; the others guide the department's discretion."""
        return self.kind in MANDATORY_KINDS

    @property
    def kind_label(self) -> str:
        """The Chinese name of the kind (e.g. 从严审核)."""
        return KINDS[self.kind]

    @property
    def effect_label(self) -> str:
        """失信惩戒 or 守信激励."""
        return EFFECT_LABELS[self.effect]


@dataclass(frozen=True)
class MeasureList:
    """A validated measure list version; scenarios and measures keep the file's order."""

    version: str
    effective_date: date
    changes: str
    scenarios: Mapping[str, str]
    measures: Mapping[str, Measure]
    _by_scenario: Mapping[str, tuple[Measure, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Measure]] = {code: [] for code in self.scenarios}
        for measure in self.measures.values():
            for scenario in measure.scenarios:
                grouped[scenario].append(measure)
        object.__setattr__(self, "_by_scenario", MappingProxyType({k: tuple(v) for k, v in grouped.items()}))

    def for_scenario(self, scenario: str) -> tuple[Measure, ...]:
        """The measures that apply in a scenario, in file order; KeyError for an unknown scenario.

        An unknown code raises rather than returning nothing, so that a typo in a
        caller can never make a check pass silently.
        """
        try:
            return self._by_scenario[scenario]
        except KeyError:
            raise KeyError(f"未知的适用场景 {scenario!r}") from None

    def scenario_name(self, code: str) -> str:
        """The Chinese name of a scenario; an unknown code is returned as is."""
        return self.scenarios.get(code, code)

    def measure(self, code: str) -> Measure | None:
        """The measure with this code, or None."""
        return self.measures.get(code)


# --- loading and validation --------------------------------------------------------------------

_TOP_KEYS = frozenset({"version", "effective_date", "changes", "scenarios", "measures"})
_MEASURE_KEYS = frozenset(
    {
        "code",
        "name",
        "effect",
        "kind",
        "targets",
        "domains",
        "scenarios",
        "implementing_departments",
        "legal_basis",
        "blocks_when_disputed",
        "description",
        "applies_to_responsible_persons",
        "nature",
    }
)
_MEASURE_REQUIRED = (
    "code",
    "name",
    "effect",
    "kind",
    "nature",
    "targets",
    "scenarios",
    "implementing_departments",
    "description",
)
_TARGET_KEYS = frozenset({"lists", "severities", "items", "conditions", "grades"})
# What a punishment may never rest on (R18): points are computed with consent, for incentives only.
_SCORE_KEYS = frozenset({"grades", "points", "score", "scores", "grade"})
# P- for punishments, R- for rewards, then a short group and a number: P-GWY-01, R-LSTD-01.
_MEASURE_CODE = re.compile(r"([PR])-[A-Z][A-Z0-9]*-\d{2}")
_CODE_PREFIX = {"punishment": "P", "reward": "R"}
_SCENARIO_CODE = re.compile(r"[a-z][a-z0-9_]*")


def _text(value: object, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MeasureError(f"{where}：{what}必须是非空文字")
    return value.strip()


def _flag(value: object, where: str, what: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise MeasureError(f"{where}：{what}必须是 true 或 false")
    return value


def _codes(value: object, known: Collection[str], where: str, what: str) -> tuple[str, ...]:
    """A list of codes, each known, none repeated; None is the empty list."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise MeasureError(f"{where}：{what}必须是列表")
    for code in value:
        if not isinstance(code, str) or code not in known:
            raise MeasureError(f"{where}：未知的{what}编码 {code!r}")
    if len(set(value)) != len(value):
        raise MeasureError(f"{where}：{what}编码重复")
    return tuple(value)


def _scenarios(doc: Mapping[str, Any]) -> dict[str, str]:
    entries = doc["scenarios"]
    if not isinstance(entries, list) or not entries:
        raise MeasureError("scenarios（适用场景）必须是非空列表")
    out: dict[str, str] = {}
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"适用场景第 {i + 1} 项"
        if not isinstance(entry, Mapping) or set(entry) != {"code", "name"}:
            raise MeasureError(f"{where}：应只有 code 和 name 两项")
        code = _text(entry["code"], where, "code")
        if not _SCENARIO_CODE.fullmatch(code):
            raise MeasureError(f"{where}：编码 {code!r} 只能由小写字母、数字和下划线组成")
        if code in out:
            raise MeasureError(f"适用场景编码 {code} 重复")
        name = _text(entry["name"], f"适用场景 {code}", "name")
        if name in names:
            raise MeasureError(f"适用场景名称 {name} 重复")
        out[code] = name
        names.add(name)
    return out


def _targets(value: object, effect: str, where: str, items: Collection[str], grades: Collection[str]) -> Targets:
    where = f"{where}的适用对象（targets）"
    if not isinstance(value, Mapping):
        raise MeasureError(f"{where}：必须是映射")
    if effect == "punishment" and _SCORE_KEYS & set(value):
        raise MeasureError(f"{where}：惩戒措施不得以诚信积分或积分等级为依据（R18：积分须经本人同意，只用于守信激励）")
    unknown = set(value) - _TARGET_KEYS
    if unknown:
        raise MeasureError(f"{where}：含未知的键 {sorted(unknown)}")
    targets = Targets(
        lists=_codes(value.get("lists"), TARGET_LISTS, where, "名单类型"),
        severities=_codes(value.get("severities"), SEVERITIES, where, "失信程度"),
        items=_codes(value.get("items"), items, where, "目录项"),
        conditions=_codes(value.get("conditions"), CONDITIONS, where, "激励条件"),
        grades=_codes(value.get("grades"), grades, where, "积分等级"),
    )
    if not (targets.lists or targets.severities or targets.conditions or targets.grades):
        raise MeasureError(f"{where}：至少要指明一种名单（lists）、失信程度（severities）、激励条件（conditions）"
                           "或积分等级（grades）")
    wrong_lists = [t for t in targets.lists if t not in _LISTS_FOR_EFFECT[effect]]
    if effect == "reward" and (wrong_lists or targets.severities):
        raise MeasureError(f"{where}：激励措施只能针对红名单（red）或激励条件，不能针对黑名单、重点关注名单或失信记录")
    if effect == "punishment" and (wrong_lists or targets.conditions):
        raise MeasureError(f"{where}：惩戒措施只能针对黑名单、重点关注名单或失信记录，不能针对红名单或激励条件")
    if isinstance(items, Mapping):
        _check_items(targets, effect, where, items)
    return targets


def _check_items(targets: Targets, effect: str, where: str, catalog_items: Mapping[str, Any]) -> None:
    """With the catalog's items at hand, refuse items of the wrong nature or that no target can reach."""
    nature = _ITEM_NATURE_FOR_EFFECT[effect]
    for code in targets.items:
        item = catalog_items[code]
        item_nature = getattr(item, "nature", None)
        if item_nature is None:  # plain codes, nothing more to check
            continue
        if item_nature != nature:
            what = "失信（negative）" if nature == "negative" else "守信（positive）"
            raise MeasureError(f"{where}：目录项 {code} 不是{what}信息项，不能作为本措施的对象")
        # Severities are adjustable per record, list types are fixed per item.
        reachable = getattr(item, "list_type", None) in targets.lists or bool(
            targets.severities or targets.conditions or targets.grades)
        if not reachable:
            raise MeasureError(f"{where}：目录项 {code} 不属于所列名单，本措施永远不会命中它")


def _qualifying(nature: str, effect: str) -> frozenset[str] | None:
    """The basis levels that may carry a measure of this nature; None: any level.

    R13: a rights-reducing measure needs a law, an administrative regulation or a central
    Party/State Council document (or a judicial interpretation applying a law, see legalbasis).
    A management punishment (stricter review, key supervision) needs a body with rule-making
    power over it; a normative document alone adds no duty. A management reward and a market or
    social measure take nothing from anyone: a government's own normative document may grant
    facilitation within its powers, and the market's measures are the market's own (the platform
    only shares information), so any level is enough, though its citation is still required.
    """
    if nature == "rights_reducing":
        return NATIONAL
    if nature == "management" and effect == "punishment":
        return RULE_MAKING
    return None


def _check_basis(bases: tuple[Basis, ...], nature: str, effect: str, targets: Targets, where: str) -> None:
    """Refuse a measure whose strongest basis is below what its nature needs, or whose targets reach
    wider than what those bases cover (R9, R13)."""
    levels = _qualifying(nature, effect)
    strong = [b for b in bases if levels is None or b.level in levels]
    if not strong:
        best = max(bases, key=lambda b: b.rank)
        needed = "、".join(LEVELS[lv] for lv in LEVELS if levels and lv in levels)
        raise MeasureError(
            f"{where}：{NATURES[nature]}的措施须以{needed}为依据，而其最高层级的依据只是"
            f"{best.level_label}（{best.citation}），依据层级不足，不能加载"
        )
    beyond = uncovered(strong, targets.items, targets.lists, targets.severities)
    if beyond:
        raise MeasureError(
            f"{where}：适用对象超出了依据的范围（{'、'.join(beyond)}）；"
            f"足够层级的依据只涵盖 {'、'.join(sorted({b.scope_label for b in strong if b.scope_label}))}，"
            "不得扩大惩戒对象（R9），请收窄 targets 或补充涵盖这些对象的依据"
        )


def _measure(
    entry: object,
    index: int,
    scenarios: Mapping[str, str],
    departments: Collection[str],
    domains: Collection[str],
    items: Collection[str],
    grades: Collection[str],
) -> Measure:
    where = f"措施第 {index + 1} 项"
    if not isinstance(entry, Mapping):
        raise MeasureError(f"{where}：必须是映射")
    code = entry.get("code")
    if isinstance(code, str) and code.strip():
        where = f"措施 {code}"
    unknown = set(entry) - _MEASURE_KEYS
    if unknown:
        raise MeasureError(f"{where}：含未知的键 {sorted(unknown)}")
    basis = entry.get("legal_basis")
    if not basis or (isinstance(basis, str) and not basis.strip()):
        raise MeasureError(f"{where}：缺少法律政策依据（legal_basis）；没有依据的措施不能加载")
    missing = [k for k in _MEASURE_REQUIRED if entry.get(k) is None]
    if missing:
        raise MeasureError(f"{where}：缺少 {', '.join(missing)}")
    code = _text(code, where, "code")
    name = _text(entry["name"], where, "name")
    where = f"措施 {code}（{name}）"
    effect = entry["effect"]
    if effect not in EFFECTS:
        raise MeasureError(f"{where}：effect 应为 punishment（惩戒）或 reward（激励），而不是 {effect!r}")
    match = _MEASURE_CODE.fullmatch(code)
    if match is None:
        raise MeasureError(f"{where}：编码应形如 P-GWY-01（惩戒）或 R-LSTD-01（激励）")
    if match.group(1) != _CODE_PREFIX[effect]:
        raise MeasureError(f"{where}：{EFFECT_LABELS[effect]}措施的编码应以 {_CODE_PREFIX[effect]}- 开头")
    kind = entry["kind"]
    if kind not in KINDS:
        raise MeasureError(f"{where}：未知的措施类型 {kind!r}（可选 {'、'.join(KINDS)}）")
    allowed = REWARD_KINDS if effect == "reward" else PUNISHMENT_KINDS
    if kind not in allowed:
        raise MeasureError(
            f"{where}：{KINDS[kind]}（{kind}）不能用于{EFFECT_LABELS[effect]}措施（可用 {'、'.join(sorted(allowed))}）"
        )
    nature = entry["nature"]
    if nature not in NATURES:
        raise MeasureError(f"{where}：未知的措施性质 {nature!r}（可选 {'、'.join(NATURES)}）")
    if effect == "reward" and nature == "rights_reducing":
        raise MeasureError(f"{where}：激励措施不会减损权益，性质不能是 rights_reducing")
    if kind in MANDATORY_KINDS and nature != "rights_reducing":
        raise MeasureError(f"{where}：禁止或限制类措施必然减损权益，性质必须是 rights_reducing（减损权益或增加义务）")
    targets = _targets(entry["targets"], effect, where, items, grades)
    try:
        bases = parse_bases(entry["legal_basis"], where, items=items, lists=TARGET_LISTS)
    except BasisError as exc:
        raise MeasureError(str(exc)) from None
    _check_basis(bases, nature, effect, targets, where)
    measure_scenarios = _codes(entry["scenarios"], scenarios, where, "适用场景")
    if not measure_scenarios:
        raise MeasureError(f"{where}：至少要有一个适用场景（scenarios）")
    implementing = _codes(entry["implementing_departments"], departments, where, "实施部门")
    if not implementing:
        raise MeasureError(f"{where}：至少要有一个实施部门（implementing_departments）")
    mandatory = kind in MANDATORY_KINDS
    if mandatory and "blocks_when_disputed" not in entry:
        raise MeasureError(f"{where}：禁止类措施必须写明异议期间是否仍然拦截（blocks_when_disputed）")
    blocks = _flag(entry.get("blocks_when_disputed"), where, "blocks_when_disputed")
    if blocks and not mandatory:
        raise MeasureError(f"{where}：只有禁止类（prohibition）措施才会拦截，blocks_when_disputed 不能为 true")
    return Measure(
        code=code,
        name=name,
        effect=effect,
        kind=kind,
        targets=targets,
        domains=_codes(entry.get("domains"), domains, where, "领域"),
        scenarios=measure_scenarios,
        implementing_departments=implementing,
        bases=bases,
        nature=nature,
        blocks_when_disputed=blocks,
        description=_text(entry["description"], where, "description（措施内容）"),
        applies_to_responsible_persons=_flag(
            entry.get("applies_to_responsible_persons"), where, "applies_to_responsible_persons"
        ),
    )


def parse_measures(
    doc: Mapping[str, Any],
    *,
    departments: Collection[str] | None = None,
    domains: Collection[str] | None = None,
    items: Collection[str] | None = None,
    grades: Collection[str] | None = None,
) -> MeasureList:
    """Validate a parsed measure-list document and build the MeasureList, or raise MeasureError.

    `departments`, `domains` and `items` are the codes a measure may name; None
    takes them from the packaged catalog. `items` may also be a mapping of code
    to catalog item (as `Catalog.items`), which also checks that each targeted
    item has the nature the measure's effect needs and can be reached at all.
    `grades` are the integrity-point grades of the points model in force (None: the packaged one).
    """
    if grades is None:
        from chengxin.points.rules import default_model

        grades = default_model().grade_codes
    if departments is None or domains is None or items is None:
        from chengxin.catalog.rules import default_catalog

        catalog = default_catalog()
        departments = catalog.departments if departments is None else departments
        domains = catalog.domains if domains is None else domains
        items = catalog.items if items is None else items
    if not isinstance(doc, Mapping):
        raise MeasureError("措施清单文件的顶层必须是映射")
    missing = sorted(_TOP_KEYS - set(doc))
    unknown = sorted(set(doc) - _TOP_KEYS)
    if missing or unknown:
        raise MeasureError(f"措施清单顶层结构不对：缺少 {missing}，多余 {unknown}")
    version = _text(doc["version"], "措施清单", 'version（请用引号写成文字，如 "2026.1"）')
    effective = doc["effective_date"]
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            effective = None
    if not isinstance(effective, date) or isinstance(effective, datetime):
        raise MeasureError("措施清单：effective_date 必须是日期（如 2026-11-01）")
    changes = doc["changes"]
    if changes is not None and not isinstance(changes, str):
        raise MeasureError("措施清单：changes 必须是文字")
    scenarios = _scenarios(doc)
    raw = doc["measures"]
    if not isinstance(raw, list) or not raw:
        raise MeasureError("measures（措施）必须是非空列表")
    measures: dict[str, Measure] = {}
    names: set[str] = set()
    for i, entry in enumerate(raw):
        measure = _measure(entry, i, scenarios, departments, domains, items, grades)
        if measure.code in measures:
            raise MeasureError(f"措施编码 {measure.code} 重复")
        if measure.name in names:
            raise MeasureError(f"措施名称 {measure.name} 重复")
        measures[measure.code] = measure
        names.add(measure.name)
    return MeasureList(
        version=version,
        effective_date=effective,
        changes=(changes or "").strip(),
        scenarios=MappingProxyType(scenarios),
        measures=MappingProxyType(measures),
    )


def load_measures(path: Path | None = None) -> MeasureList:
    """Read and validate a measure-list YAML file; None means the one shipped in this package."""
    return parse_measures(read_yaml("chengxin.sanctions", "measures.yaml", path, MeasureError))


@cache
def default_measures() -> MeasureList:
    """The packaged measure list, loaded once."""
    return load_measures()
