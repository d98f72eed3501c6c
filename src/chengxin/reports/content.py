"""What a report says, laid out after the public credit report standard (R16): the cover, how to read
it, an overview, the matters by category with their deciding body, decision number and date, basis,
severity, publicity period and marks, the list entries, the person's rights and (in the self report)
who queried the file. Built from the credit file as the reader may see it, never from anything else,
so the report and the file page never disagree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from chengxin.catalog.rules import Catalog
from chengxin.creditfile.schemas import CreditFile, MatterOut
from chengxin.creditfile.service import LISTS_CATEGORY
from chengxin.masking import mask_id
from chengxin.matters.service import REFERENCE_FIELDS
from chengxin.reports import rules
from chengxin.reports.standing import Standing, own_matters

REFERENCE_LABELS = ("文号", "案号", "文书号", "决定书编号")
NATURES = (("positive", "守信"), ("negative", "失信"), ("neutral", "中性"))
HOW_TO_READ = (
    "本报告依据本平台截至报告日期归集的个人公共信用信息生成，信息来自作出决定或认定的部门（决定机关）；"
    "平台如实记录，不对信息作评价。",
    "每条信息注明决定机关、决定文号和日期、依据、程度和公示期。公示期届满的失信信息不再公示；"
    "已信用修复的信息不再共享和公示，仅在本人版中保留并注明。",
    "“异议处理中”表示本人对该信息提出的异议尚在核实；“修复申请处理中”表示本人已申请信用修复。",
    "报告首页的二维码、报告编号和校验码可在本平台核验页面核验真伪及信息是否已有更新。"
    "报告的电子版带有平台电子签章，可在 PDF 阅读器中查看签章有效性。",
)


@dataclass(frozen=True, slots=True)
class Line:
    """One matter as the report prints it."""

    item_name: str
    nature: str
    nature_label: str
    severity_label: str
    department: str
    reference: str
    decided_on: date
    basis: str
    publicity: str
    state_label: str
    marks: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]
    listing: str | None


@dataclass(frozen=True, slots=True)
class Section:
    code: str
    name: str
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Overview:
    rows: tuple[tuple[str, int, int, int, int], ...]  # category name, positive, negative, neutral, total
    total: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class QueryLine:
    who: str
    action: str
    purpose: str
    times: int
    last: datetime


@dataclass(frozen=True, slots=True)
class Content:
    """Everything the template prints, already in the reader's words."""

    variant: str
    title: str
    number: str
    check_code: str
    as_of: date
    issued_at: datetime
    issuer: str
    issuer_host: str
    verify_url: str
    name: str
    id_label: str
    id_masked: str
    basics: tuple[tuple[str, str], ...]
    overview: Overview
    sections: tuple[Section, ...]
    lists: tuple[Line, ...]
    rights: tuple[str, ...]
    how_to_read: tuple[str, ...] = HOW_TO_READ
    purpose: str | None = None
    scope: str | None = None
    recipient: str | None = None
    occupation: str | None = None
    scenario: str | None = None
    scenario_text: str | None = None
    queries: tuple[QueryLine, ...] | None = None
    queries_total: int = 0
    statement: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def matter_count(self) -> int:
        return sum(len(s.lines) for s in self.sections)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _is_reference(name: str, label: str) -> bool:
    """A record field that holds the decision's document number (决定书文号, 执行案号 and the like)."""
    return name in REFERENCE_FIELDS or label.endswith(REFERENCE_LABELS)


def line(m: MatterOut) -> Line:
    marks = []
    if m.disputed:
        marks.append("异议处理中")
    if m.repair_pending:
        marks.append("修复申请处理中")
    if m.state == "repaired":
        marks.append(f"已信用修复（{m.ended_on}）" if m.ended_on else "已信用修复")
    elif m.state in ("revoked", "court_deleted"):
        marks.append(m.state_label)
    if m.appeal is not None and m.appeal.status == "pending":
        marks.append(f"{m.appeal.status_label}（{m.appeal.case_number}）")
    pub = m.publicity
    publicity = f"{m.start_date} 至 {pub.ends_on}（{pub.label}）" if pub.ends_on is not None else pub.label
    listing = None
    if m.listing is not None:
        end = f"，期限至 {m.listing.planned_end}" if m.listing.planned_end else ""
        listing = f"{m.listing.list_label}：{m.listing.start_date} 列入{end}，{m.listing.status_label}"
    record_fields = m.record.fields if m.record else []
    reference = m.reference or next((_text(f.value) for f in record_fields if _is_reference(f.name, f.label)
                                     and _text(f.value)), None)
    fields = tuple((f.label, _text(f.value)) for f in record_fields
                   if _text(f.value) and not (reference and _text(f.value) == reference))
    # What the person and the deciding department added (R14): shown with the matter wherever it is shown.
    if m.extension is not None and m.extension.effect:
        fields += (("延期履行", m.extension.effect),)
    if m.explanation is not None:
        fields += (("本人解释", m.explanation.text),)
    return Line(item_name=m.item_name, nature=m.nature, nature_label=m.nature_label,
                severity_label=m.severity_label or "—", department=m.department_name,
                reference=reference or "—", decided_on=m.start_date, basis=m.legal_basis or "—",
                publicity=publicity, state_label=m.status_label or m.state_label, marks=tuple(marks),
                fields=fields, listing=listing)


def sections_of(file: CreditFile, keep: set[str] | None = None) -> tuple[Section, ...]:
    """The file's categories with the matters kept (all when `keep` is None)."""
    out = []
    for cat in file.categories:
        lines = tuple(line(m) for m in cat.matters if keep is None or m.id in keep)
        if lines:
            out.append(Section(cat.code, cat.name, lines))
    return tuple(out)


def overview_of(sections: tuple[Section, ...]) -> Overview:
    rows = []
    totals = [0, 0, 0, 0]
    for sec in sections:
        counts = [sum(ln.nature == code for ln in sec.lines) for code, _ in NATURES]
        rows.append((sec.name, *counts, len(sec.lines)))
        for i, n in enumerate([*counts, len(sec.lines)]):
            totals[i] += n
    return Overview(tuple(rows), (totals[0], totals[1], totals[2], totals[3]))  # type: ignore[arg-type]


def list_lines(matters: list[MatterOut]) -> tuple[Line, ...]:
    return tuple(line(m) for m in matters if m.listing is not None and m.listing.list_type in ("black", "red"))


def occupational_keep(file: CreditFile, catalog: Catalog, occupation: str) -> set[str]:
    """The occupation's own items, qualifications and practice, and every red or black listing."""
    qualification = catalog.category_codes_under("ZYZG")
    keep = set()
    for m in own_matters(file):
        item = catalog.item(m.item_code) if m.item_code else None
        if (item is not None and (occupation in item.occupations or item.category in qualification)) or (
                m.listing is not None and m.listing.list_type in ("black", "red")):
            keep.add(m.id)
    return keep


def rights(site: object) -> tuple[str, ...]:
    address = getattr(site, "address", "")
    phone = getattr(site, "phone", "")
    return (
        "异议：认为报告中的信息有误或遗漏的，可登录本平台“我的信用档案”对该条信息提出异议，"
        f"或到{address}窗口提出；平台在规定时限内核实并答复，核实期间该信息标注“异议处理中”。",
        "信用修复：失信信息满最短公示期且已履行义务、纠正失信行为的，可在本平台“信用修复”中申请，"
        "或向作出决定的部门申请；修复后相关信息不再公示和共享。",
        "查询记录：本人可在“谁查询了我”中查看每一次对本人信用信息的查询，每条记录均签名存证。",
        f"咨询电话：{phone}。",
    )


def identity_lines(file: CreditFile, *, masked_name: bool) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    ident = file.identity
    number = ident.id_number if ident.masked else mask_id(ident.id_number)
    basics = [("姓名", ident.name), (ident.id_type_label, number)]
    if not masked_name:
        if ident.sex_label:
            basics.append(("性别", ident.sex_label))
        if ident.birth_year:
            basics.append(("出生年份", str(ident.birth_year)))
        if ident.region_name:
            basics.append(("户籍地", ident.region_name))
    return ident.name, ident.id_type_label, number, tuple(basics)


def certificate_statement(name: str, id_label: str, number: str, as_of: date, st: Standing) -> str:
    assert st.clean
    return (f"经查询本平台归集的个人公共信用信息，截至 {as_of.year} 年 {as_of.month} 月 {as_of.day} 日，"
            f"{name}（{id_label} {number}）在本平台无处于公示期内的严重失信记录，"
            "未被列入严重失信主体名单。")


CERTIFICATE_NOTES = (
    "本证明仅反映本平台截至上述日期归集的公共信用信息，不证明其他事项。",
    "本证明可代替“无违法违规记录证明”使用的范围，以各地各部门的规定为准。",
    "请扫描二维码或在本平台核验页面输入证明编号和校验码，核验本证明的真伪和当前状态。",
)

LISTS_NAME = LISTS_CATEGORY[1]
SCENARIO_LABELS = {k: v[0] for k, v in rules.SCENARIOS.items()}
