"""Pure repair rules: methods by tier (data), eligibility with its reasons and earliest date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from chengxin.datafiles import read_yaml
from chengxin.publicity.rules import Tier, earliest_repair_day

STATUS_LABELS = {
    "submitted": "已提交，待受理",
    "accepted": "已受理，审核中",
    "rejected": "不予受理",
    "approved": "准予修复",
    "denied": "不予修复",
}
OPEN = frozenset({"submitted", "accepted"})
CHANNELS = {"online": "本人网上申请", "agent": "受托机构代为申请", "counter": "窗口代为申请", "upper": "上级平台转来"}


@dataclass(frozen=True, slots=True)
class Method:
    code: str
    name: str
    tiers: frozenset[str]


@dataclass(frozen=True, slots=True)
class RepairRules:
    version: str
    methods: dict[str, Method]
    commitment: str


def parse_rules(doc: dict[str, Any]) -> RepairRules:
    """Validate the methods document: known tiers, at least one method per tier, a commitment text."""
    methods: dict[str, Method] = {}
    for m in doc.get("methods") or []:
        tiers = frozenset(m.get("tiers") or ())
        if not tiers or not tiers <= {"minor", "general", "serious"}:
            raise ValueError(f"修复方式 {m.get('code')} 的适用严重程度有误")
        methods[m["code"]] = Method(m["code"], m["name"], tiers)
    for tier in ("minor", "general", "serious"):
        if not any(tier in m.tiers for m in methods.values()):
            raise ValueError(f"严重程度 {tier} 没有可用的修复方式")
    commitment = str(doc.get("commitment") or "").strip()
    if not commitment:
        raise ValueError("缺少信用承诺书文本")
    return RepairRules(str(doc.get("version", "")), methods, commitment)


@lru_cache
def default_rules() -> RepairRules:
    return parse_rules(read_yaml("chengxin.repairs", "methods.yaml", None, ValueError))


@dataclass(frozen=True, slots=True)
class Facts:
    """What eligibility looks at, taken from the record or list entry and the person."""

    nature: str
    severity: str | None
    start: date
    repairable: bool
    court_list: bool
    revoked: bool
    repaired: bool
    in_effect: bool  # still published, listed or usable on the day
    pending: bool  # an application on it is open
    minor_at_decision: bool
    # The deciding body is on another platform (a matter received through the exchange): its repair
    # is that platform's (R14), named here for the person.
    elsewhere: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    code: str
    label: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Eligibility:
    eligible: bool
    steps: tuple[Step, ...]
    earliest: date | None
    methods: tuple[str, ...]
    protected_minor: bool

    @property
    def refusal(self) -> Step | None:
        return next((s for s in self.steps if not s.passed), None)


def eligibility(facts: Facts, as_of: date, tiers: dict[str, Tier], rules: RepairRules) -> Eligibility:
    """Every condition of R4 in order, each passed or not with why, and the earliest day to apply."""
    steps: list[Step] = []
    negative = facts.nature == "negative" and facts.severity in tiers
    steps.append(Step("REPAIR_NOT_NEGATIVE", "属于失信信息", negative,
                      "属于失信信息，可以申请信用修复" if negative else "守信或中性信息不需要修复"))
    steps.append(Step("REPAIR_TARGET_REVOKED", "信息仍然有效", not facts.revoked,
                      "信息仍然有效" if not facts.revoked else "该信息已被撤销，不再使用"))
    if facts.court_list:
        detail = "失信被执行人信息由人民法院依法删除，请向作出决定的法院申请"
    else:
        detail = "属于可以修复的信息" if facts.repairable else "法律、法规规定该信息不得修复"
    steps.append(Step("REPAIR_NOT_ALLOWED", "属于可修复信息", facts.repairable and not facts.court_list, detail))
    if facts.elsewhere is not None:  # said only when it stops the application: a local matter needs no line
        steps.append(Step("REPAIR_DECIDED_ELSEWHERE", "由本平台的认定部门办理", False,
                          f"该信息由{facts.elsewhere}认定，请向该平台申请信用修复，修复结果将同步到本平台"))
    steps.append(Step("REPAIR_ALREADY_REPAIRED", "尚未修复", not facts.repaired,
                      "尚未修复" if not facts.repaired else "该信息已经修复"))
    steps.append(Step("REPAIR_ALREADY_PENDING", "没有在办的修复申请", not facts.pending,
                      "没有正在办理的修复申请" if not facts.pending else "对该信息的修复申请正在办理中"))
    steps.append(Step("REPAIR_NOT_NEEDED", "仍在公示或名单期内", facts.in_effect,
                      "仍在公示期或名单期内" if facts.in_effect
                      else "公示期或名单期限已满，已停止公示和使用，无需修复"))
    earliest: date | None = None
    protected = negative and facts.severity == "minor" and facts.minor_at_decision
    if negative:
        tier = tiers[facts.severity or ""]
        earliest = facts.start if protected else earliest_repair_day(facts.start, tier)
        reached = as_of >= earliest
        if protected:
            detail = "未成年时的轻微失信，纠正后即可修复（不受最短公示期限制）"
        elif tier.min_months == 0:
            detail = "轻微失信，履行义务后现在即可申请"
        elif reached:
            detail = f"最短公示期（{tier.min_months} 个月）已满，现在即可申请"
        else:
            detail = f"最短公示期（{tier.min_months} 个月）未满，最早可于 {earliest.isoformat()} 申请"
        steps.append(Step("REPAIR_TOO_EARLY", "已满最短公示期", reached, detail))
    methods = tuple(m.code for m in rules.methods.values() if facts.severity in m.tiers)
    return Eligibility(all(s.passed for s in steps), tuple(steps), earliest, methods, protected)


@dataclass(frozen=True, slots=True)
class HeldProof:
    """A kind of the deciding department's own record that proves the obligation met (held.yaml)."""

    item: str
    refers_by: str
    when: dict[str, frozenset[str]]
    proves: str


def parse_held(doc: dict[str, Any]) -> tuple[HeldProof, ...]:
    """Validate the held-proofs document: each proof names an item, its reference field and what it proves."""
    out = []
    for p in doc.get("proofs") or []:
        if not p.get("item") or not p.get("refers_by") or not p.get("proves"):
            raise ValueError("已掌握材料的规则须写明 item、refers_by 和 proves")
        when = {str(k): frozenset(map(str, v or ())) for k, v in (p.get("when") or {}).items()}
        out.append(HeldProof(str(p["item"]), str(p["refers_by"]), when, str(p["proves"])))
    return tuple(out)


@lru_cache
def held_proofs() -> tuple[HeldProof, ...]:
    return parse_held(read_yaml("chengxin.repairs", "held.yaml", None, ValueError))


@dataclass(frozen=True, slots=True)
class Held:
    """A record the department holds that proves the obligation met, in words for people."""

    record_id: str
    decided: date
    proves: str
    reference: str


def held(proofs: tuple[HeldProof, ...], *, department: str, reference: str | None, since: date,
         records: list[tuple[str, str, str, date, dict[str, Any]]]) -> list[Held]:
    """Which of the person's records (id, department, item, decision date, data) prove the matter's
    obligation met: the same department, on or after the matter's decision, naming its document."""
    if not reference:
        return []
    found = []
    for rid, dept, item, decided, data in records:
        for p in proofs:
            if item != p.item or dept != department or decided < since or data.get(p.refers_by) != reference:
                continue
            if all(str(data.get(k)) in values for k, values in p.when.items()):
                found.append(Held(rid, decided, p.proves, str(data.get("decision_no") or rid)))
    return found
