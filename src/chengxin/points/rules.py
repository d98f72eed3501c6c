"""Integrity points (诚信积分), pure rules: the model as data, validated at load, and a person's
ledger worked out from their matters on a day.

The model (`model.yaml`, or an edition the credit office published) names, per dimension, the
catalog items that feed it, the points per matter, how many matters count, for how long and how
they decay, a base, a range and the grades. It is refused at load when it would score anything
R3, R13 and R18 keep out of a score: an item outside the catalog, an item that needs the person's
written consent to be collected at all, the identity registration, neutral or organisation-only
items, a negative weight on a positive item (or a positive one on a negative item).

A ledger is derived, never stored: every line names the matter, the item, the rule and the last
day it counts; a repaired, revoked or expired matter is simply not a line any more, the moment it
ends (the same `in_effect_until_of` the checks and the file use)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from chengxin.catalog.rules import Catalog, CatalogItem, default_catalog
from chengxin.datafiles import read_yaml
from chengxin.matters.rules import in_effect_until_of
from chengxin.publicity.rules import Tier, add_months, default_tiers


class PointsError(ValueError):
    """A points model that cannot be loaded, with a Chinese message saying why."""


@dataclass(frozen=True, slots=True)
class Decay:
    every_months: int
    keep_percent: int


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    dimension: str
    items: tuple[str, ...]
    points: int
    max_matters: int | None
    months: int | None
    decay: Decay | None

    def describe(self) -> str:
        """The rule in one line, as people read it."""
        parts = [f"每条{self.points:+d} 分"]
        if self.max_matters:
            parts.append(f"最多计 {self.max_matters} 条")
        if self.months:
            parts.append(f"自决定日期起计 {self.months} 个月")
        if self.decay:
            parts.append(f"每满 {self.decay.every_months} 个月保留 {self.decay.keep_percent}%")
        return "，".join(parts)


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    name: str
    cap: int
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Grade:
    code: str
    name: str
    min: int


@dataclass(frozen=True)
class PointsModel:
    version: str
    effective_date: date
    changes: str
    base: int
    low: int
    high: int
    dimensions: tuple[Dimension, ...]
    grades: tuple[Grade, ...]  # highest first

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for d in self.dimensions for r in d.rules)

    @cached_property
    def rule_of_item(self) -> dict[str, Rule]:
        return {code: r for r in self.rules for code in r.items}

    @cached_property
    def rule_by_code(self) -> dict[str, Rule]:
        return {r.code: r for r in self.rules}

    @cached_property
    def caps(self) -> dict[str, int]:
        return {d.code: d.cap for d in self.dimensions}

    @property
    def grade_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)

    def grade_of(self, score: int) -> Grade:
        for g in self.grades:
            if score >= g.min:
                return g
        return self.grades[-1]


_CODE = re.compile(r"[a-z][a-z0-9_]{1,31}")
_GRADE_CODE = re.compile(r"[A-Z][A-Z0-9+]{0,7}")
_TOP_KEYS = {"version", "effective_date", "changes", "base", "range", "dimensions", "grades"}
_DIMENSION_KEYS = {"code", "name", "cap", "rules"}
_RULE_KEYS = {"code", "name", "items", "points", "max_matters", "months", "decay"}


def _text(value: object, where: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PointsError(f"{where}：{what}必须是非空文字")
    return value.strip()


def _int(value: object, where: str, what: str, *, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PointsError(f"{where}：{what}必须是整数")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '-∞'} 到 {high if high is not None else '∞'}"
        raise PointsError(f"{where}：{what}应在 {bounds} 之间，现为 {value}")
    return value


def _keys(value: object, allowed: set[str], required: set[str], where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PointsError(f"{where}：必须是映射")
    unknown = set(value) - allowed
    if unknown:
        raise PointsError(f"{where}：含未知的键 {sorted(map(str, unknown))}")
    missing = required - set(value)
    if missing:
        raise PointsError(f"{where}：缺少 {sorted(missing)}")
    return value


def forbidden_reason(item: CatalogItem) -> str | None:
    """Why an item may never feed a score, or None (R3, R18)."""
    if item.identity_source:
        return "是户籍登记信息，不反映信用状况"
    if item.consent_required:
        return "须经本人书面同意方可采集（收入、缴费等），不得用于计分"
    if item.subject == "organisation":
        return "只涉及组织，不是个人的信用信息"
    if item.nature == "neutral":
        return "是中性信息，不反映守信或失信"
    return None


def _rule(value: object, dimension: str, where: str, catalog: Catalog, seen_items: dict[str, str]) -> Rule:
    doc = _keys(value, _RULE_KEYS, {"code", "name", "items", "points"}, where)
    code = _text(doc["code"], where, "code")
    if not _CODE.fullmatch(code):
        raise PointsError(f"{where}：规则编码 {code!r} 只能由小写字母、数字和下划线组成")
    where = f"规则 {code}"
    name = _text(doc["name"], where, "name")
    points = _int(doc["points"], where, "分值（points）", low=-1000, high=1000)
    if points == 0:
        raise PointsError(f"{where}：分值不能为 0")
    items = doc["items"]
    if not isinstance(items, list) or not items:
        raise PointsError(f"{where}：items 必须是非空的目录项列表")
    for item_code in items:
        if not isinstance(item_code, str) or item_code not in catalog.items:
            raise PointsError(f"{where}：目录项 {item_code!r} 不在公共信用信息目录 {catalog.version} 中，"
                              "目录以外的信息不得计分（R3）")
        item = catalog.items[item_code]
        reason = forbidden_reason(item)
        if reason:
            raise PointsError(f"{where}：目录项 {item_code}（{item.name}）{reason}，不得计分")
        if item.nature == "positive" and points < 0:
            raise PointsError(f"{where}：目录项 {item_code}（{item.name}）是守信信息，不能扣分")
        if item.nature == "negative" and points > 0:
            raise PointsError(f"{where}：目录项 {item_code}（{item.name}）是失信信息，不能加分")
        if item_code in seen_items:
            raise PointsError(f"{where}：目录项 {item_code} 已由规则 {seen_items[item_code]} 计分，不能重复计分")
        seen_items[item_code] = code
    max_matters = doc.get("max_matters")
    months = doc.get("months")
    decay_doc = doc.get("decay")
    decay = None
    if decay_doc is not None:
        d = _keys(decay_doc, {"every_months", "keep_percent"}, {"every_months", "keep_percent"}, f"{where}的 decay")
        decay = Decay(_int(d["every_months"], where, "递减周期（every_months）", low=1, high=240),
                      _int(d["keep_percent"], where, "保留比例（keep_percent）", low=0, high=99))
    if max_matters is not None:
        max_matters = _int(max_matters, where, "最多计分条数（max_matters）", low=1, high=100)
    if months is not None:
        months = _int(months, where, "计分月数（months）", low=1, high=240)
    return Rule(code, name, dimension, tuple(items), points, max_matters, months, decay)


def parse_model(doc: object, catalog: Catalog | None = None) -> PointsModel:
    """Validate a parsed model document against the catalog (the packaged one by default)."""
    catalog = catalog or default_catalog()
    top = _keys(doc, _TOP_KEYS, _TOP_KEYS - {"changes"}, "积分模型")
    version = _text(str(top["version"]) if isinstance(top["version"], int | float) else top["version"],
                    "积分模型", "version")
    if len(version) > 32:
        raise PointsError("积分模型：version 不能超过 32 个字符")
    effective = top["effective_date"]
    if not isinstance(effective, date):
        raise PointsError("积分模型：effective_date 必须是日期（如 2026-12-01）")
    changes = _text(top.get("changes") or "（未写修订说明）", "积分模型", "changes")
    bounds = _keys(top["range"], {"min", "max"}, {"min", "max"}, "分数范围（range）")
    low = _int(bounds["min"], "分数范围", "下限", low=0, high=100_000)
    high = _int(bounds["max"], "分数范围", "上限", low=low + 1, high=100_000)
    base = _int(top["base"], "积分模型", "基础分（base）", low=low, high=high)

    entries = top["dimensions"]
    if not isinstance(entries, list) or not entries:
        raise PointsError("积分模型：dimensions（维度）必须是非空列表")
    dimensions: list[Dimension] = []
    seen_items: dict[str, str] = {}
    rule_codes: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"维度第 {i + 1} 项"
        doc_d = _keys(entry, _DIMENSION_KEYS, _DIMENSION_KEYS, where)
        code = _text(doc_d["code"], where, "code")
        if not _CODE.fullmatch(code):
            raise PointsError(f"{where}：维度编码 {code!r} 只能由小写字母、数字和下划线组成")
        if any(d.code == code for d in dimensions):
            raise PointsError(f"维度编码 {code} 重复")
        where = f"维度 {code}"
        name = _text(doc_d["name"], where, "name")
        cap = _int(doc_d["cap"], where, "上限（cap）", low=1, high=high - low)
        rules_doc = doc_d["rules"]
        if not isinstance(rules_doc, list) or not rules_doc:
            raise PointsError(f"{where}：rules（计分规则）必须是非空列表")
        rules = []
        for j, r in enumerate(rules_doc):
            rule = _rule(r, code, f"{where}的第 {j + 1} 条规则", catalog, seen_items)
            if rule.code in rule_codes:
                raise PointsError(f"规则编码 {rule.code} 重复")
            rule_codes.add(rule.code)
            rules.append(rule)
        dimensions.append(Dimension(code, name, cap, tuple(rules)))

    grade_docs = top["grades"]
    if not isinstance(grade_docs, list) or len(grade_docs) < 2:
        raise PointsError("积分模型：grades（等级）至少要有两级")
    grades: list[Grade] = []
    for i, g in enumerate(grade_docs):
        where = f"等级第 {i + 1} 项"
        doc_g = _keys(g, {"code", "name", "min"}, {"code", "name", "min"}, where)
        code = _text(doc_g["code"], where, "code")
        if not _GRADE_CODE.fullmatch(code):
            raise PointsError(f"{where}：等级编码 {code!r} 应为大写字母开头的短编码（如 A、B）")
        if any(x.code == code for x in grades):
            raise PointsError(f"等级编码 {code} 重复")
        minimum = _int(doc_g["min"], where, "最低分（min）", low=low, high=high)
        if grades and minimum >= grades[-1].min:
            raise PointsError(f"{where}：等级须按最低分从高到低排列，{code} 的 {minimum} 不低于上一级")
        grades.append(Grade(code, _text(doc_g["name"], where, "name"), minimum))
    if grades[-1].min != low:
        raise PointsError(f"积分模型：最低一级（{grades[-1].code}）的最低分须等于分数下限 {low}，否则有人无等级")
    return PointsModel(version, effective, changes, base, low, high, tuple(dimensions), tuple(grades))


def load_model(path: Path | None = None, catalog: Catalog | None = None) -> PointsModel:
    return parse_model(read_yaml("chengxin.points", "model.yaml", path, PointsError), catalog)


@cache
def default_model() -> PointsModel:
    """The packaged model, loaded once (against the packaged catalog)."""
    return load_model()


# --- a person's ledger ------------------------------------------------------------------------

# Pure date arithmetic on few distinct arguments (decision dates, birth dates), for every matter
# of every person a grading run reads.
_add_months = lru_cache(maxsize=1 << 16)(add_months)


@lru_cache(maxsize=1 << 16)
def _last_counted_day(start: date, months: int) -> date:
    """The last day inside `months` from `start` (a rule's `months`)."""
    return add_months(start, months) - timedelta(days=1)

# A matter as the ledger reads it: the columns of `checks.repository.MATTER_COLUMNS`
# (subject_key, id, record_id, item_code, nature, severity, list_type, department_code, basis,
# start_date, planned_end, ended_on, end_reason, disputed_at, domain).
MatterRow = Sequence[Any]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a ledger: a matter counted under a rule."""

    matter_id: str
    item_code: str
    item_name: str
    dimension: str
    rule: Rule
    start: date
    points: int  # what it counts today (after decay and the rule's count; 0 when beyond them)
    full_points: int  # the rule's points before decay
    counts_until: date | None  # the last day it counts (None: until the matter changes)
    note: str  # why it counts less than the rule's points, if it does
    repairable: bool


@dataclass(frozen=True, slots=True)
class DimensionTotal:
    dimension: Dimension
    points: int  # after the cap
    uncapped: int


@dataclass(frozen=True, slots=True)
class Raise:
    """Something the person can do that would raise the score, and by how much at most."""

    text: str
    points: int


@dataclass(frozen=True)
class Ledger:
    model: PointsModel
    as_of: date
    lines: tuple[Line, ...]
    totals: tuple[DimensionTotal, ...]
    score: int
    grade: Grade
    raises: tuple[Raise, ...]


def is_minor(birth: date | None, as_of: date) -> bool:
    return birth is not None and as_of < _add_months(birth, 12 * 18)


def _decayed(rule: Rule, start: date, as_of: date) -> tuple[int, date | None]:
    """The rule's points for a matter of `start` on `as_of`, and the last day of that value."""
    if rule.decay is None:
        return rule.points, None
    months = (as_of.year - start.year) * 12 + as_of.month - start.month - (as_of.day < start.day)
    steps = max(0, months) // rule.decay.every_months
    value = rule.points
    for _ in range(steps):
        value = int(value * rule.decay.keep_percent / 100)
    next_step = _add_months(start, (steps + 1) * rule.decay.every_months) - timedelta(days=1)
    return value, next_step


Memo = dict[tuple[Any, ...], tuple["Rule | None", date | None]]


def _counted(model: PointsModel, matters: Sequence[MatterRow], as_of: date, tiers: dict[str, Tier],
             memo: Memo | None = None) -> dict[str, list[tuple[date, Any, date | None]]]:
    """The matters that count on `as_of`, by rule code: (decision date, row, last day it counts).
    With `memo` (one per model, day and tiers), matters with the same item, state columns and dates
    are worked out once (a grading run meets the same few thousand combinations millions of times)."""
    by_item = model.rule_of_item
    counted: dict[str, list[tuple[date, Any, date | None]]] = {}
    for row in matters:
        if memo is not None:
            key = (row[3], row[4], row[5], row[6], row[9], row[10], row[11], row[12])
            known = memo.get(key)
            if known is None:
                known = memo[key] = _counts_until(by_item.get(row[3]), row, as_of, tiers)
            rule, until = known
        else:
            rule, until = _counts_until(by_item.get(row[3]), row, as_of, tiers)
        if rule is None:
            continue
        start = row[9]
        found = counted.get(rule.code)
        if found is None:
            counted[rule.code] = [(start, row, until)]
        else:
            found.append((start, row, until))
    return counted


def _counts_until(rule: Rule | None, row: MatterRow, as_of: date,
                  tiers: dict[str, Tier]) -> tuple[Rule | None, date | None]:
    """The rule a matter counts under on `as_of` and the last day it counts (None: until it changes),
    or (None, None) when it does not count."""
    if rule is None:
        return None, None
    start = row[9]
    last = in_effect_until_of(row[4], row[5], start, row[6], row[10], row[11], row[12], as_of, tiers)
    if last is None:
        return None, None  # pending, ended (repaired, revoked, deleted) or over: it counts no more
    until = None if last == date.max else last
    if rule.months is not None:
        own_end = _last_counted_day(start, rule.months)
        if own_end < as_of:
            return None, None
        if until is None or own_end < until:
            until = own_end
    return rule, until


def _newest_first(found: list[tuple[date, Any, date | None]]) -> list[tuple[date, Any, date | None]]:
    return sorted(found, key=lambda t: (t[0], t[1][1]), reverse=True)


def score_of(model: PointsModel, matters: Sequence[MatterRow], as_of: date, tiers: dict[str, Tier],
             memo: Memo | None = None) -> int:
    """`ledger(...).score` without the lines (what a grade computation over many persons needs;
    `memo` as in `_counted`)."""
    counted = _counted(model, matters, as_of, tiers, memo)
    score = model.base
    if counted:
        per_dimension: dict[str, int] = {}
        for code, found in counted.items():
            rule = model.rule_by_code[code]
            if rule.max_matters is not None and len(found) > rule.max_matters:
                found = _newest_first(found)[:rule.max_matters]
            if rule.decay is None:
                total = rule.points * len(found)
            else:
                total = sum(_decayed(rule, start, as_of)[0] for start, _, _ in found)
            per_dimension[rule.dimension] = per_dimension.get(rule.dimension, 0) + total
        caps = model.caps
        score += sum(max(-caps[d], min(caps[d], v)) for d, v in per_dimension.items())
    return max(model.low, min(model.high, score))


def ledger(model: PointsModel, catalog: Catalog, matters: Sequence[MatterRow], as_of: date,
           tiers: dict[str, Tier] | None = None) -> Ledger:
    """The person's points on `as_of` from their own matters (rows as `MatterRow`)."""
    tiers = tiers if tiers is not None else default_tiers()
    counted = _counted(model, matters, as_of, tiers)
    lines: list[Line] = []
    for rule in model.rules:
        found = _newest_first(counted.get(rule.code, []))
        for n, (start, row, until) in enumerate(found):
            item = catalog.items.get(row[3])
            value, step_end = _decayed(rule, start, as_of)
            note = ""
            if value != rule.points:
                note = f"已随时间递减（每满 {rule.decay.every_months} 个月保留 {rule.decay.keep_percent}%）"  # type: ignore[union-attr]
            if rule.max_matters is not None and n >= rule.max_matters:
                value, note = 0, f"超过本规则最多计分的 {rule.max_matters} 条，不计分"
            if value and step_end is not None:  # this value holds until the next decay step
                until = step_end if until is None else min(until, step_end)
            lines.append(Line(row[1], row[3], item.name if item else row[3], rule.dimension, rule, start, value,
                              rule.points, until, note,
                              bool(item and item.repairable and row[4] == "negative")))

    totals: list[DimensionTotal] = []
    score = model.base
    for d in model.dimensions:
        raw = sum(ln.points for ln in lines if ln.dimension == d.code)
        capped = max(-d.cap, min(d.cap, raw))
        totals.append(DimensionTotal(d, capped, raw))
        score += capped
    score = max(model.low, min(model.high, score))
    return Ledger(model, as_of, tuple(lines), tuple(totals), score, model.grade_of(score),
                  _raises(model, catalog, lines, totals, score))


def _raises(model: PointsModel, catalog: Catalog, lines: Sequence[Line], totals: Sequence[DimensionTotal],
            score: int) -> tuple[Raise, ...]:
    """What would raise the score: repairing a negative matter that still counts, and positive
    rules with room left under their count and their dimension's cap."""
    out: list[Raise] = []
    room = {t.dimension.code: t.dimension.cap - t.points for t in totals}
    for ln in lines:
        if ln.points < 0 and ln.repairable:
            out.append(Raise(f"对 {ln.start.isoformat()} 决定的“{ln.item_name}”申请信用修复：修复后该事项即不再扣分",
                             -ln.points))
    for rule in model.rules:
        if rule.points <= 0 or room.get(rule.dimension, 0) <= 0:
            continue
        used = sum(1 for ln in lines if ln.rule.code == rule.code and ln.points > 0)
        left = None if rule.max_matters is None else rule.max_matters - used
        if left is not None and left <= 0:
            continue
        names = "、".join(catalog.items[c].name for c in rule.items if c in catalog.items)
        most = min(room[rule.dimension], rule.points * (left or 1))
        more = f"，还可计 {left} 条" if left is not None else ""
        out.append(Raise(f"{rule.name}（{names}）：每条 +{rule.points} 分{more}", most))
    repairs = len([ln for ln in lines if ln.points < 0 and ln.repairable])
    out[repairs:] = sorted(out[repairs:], key=lambda r: -r.points)  # what the person can do now first
    return tuple(r for r in out if r.points > 0 and score < model.high)
