"""The workbench (工作台): for each staff role, what waits for it today, with a link to each queue."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from chengxin.accounts.rules import allowed
from chengxin.callers import Caller
from chengxin.clock import CHINA
from chengxin.listing import repository as listing
from chengxin.workbench import repository as repo
from chengxin.workbench.rules import DUE_SOON_DAYS, Shortcut, Todo

# How far back the clerk's files with rejected rows are counted.
REJECTED_DAYS = 30
SHORTCUTS: tuple[tuple[str, str, str, str], ...] = (
    ("records.submit", "/dept/uploads", "报送文件", "下载模板、上传本月文件、查看逐行报告"),
    ("checks.run", "/dept/checks", "联合奖惩核查", "按证件号码核查，或批量核查"),
    ("assessment.read", "/console/assessment", "部门考核", "本月考核报告，可导出 Excel、打印"),
    ("lists.read", "/console/lists", "名单管理", "查看名单条目及其档案"),
    ("lists.write", "/console/listing", "列入程序", "列入严重失信主体名单前的告知、陈述申辩和决定"),
    ("audit.read", "/audit/log", "查询日志", "检索谁在何时为何查询了谁"),
    ("catalog.manage", "/console/editions/catalog", "目录与措施修订", "修改目录或措施，核对差异后发布"),
    ("exchange.read", "/console/exchange", "平台交换", "与上级、下级平台的发送、确认、对账和拒收的批次"),
    ("accounts.manage", "/console/accounts", "账号管理", "账号、API 令牌（签发、吊销）、停用账号"),
    ("accounts.manage", "/console/departments", "部门管理", "已登记的部门，登记新部门"),
)


def todos(session: Session, caller: Caller, today: date) -> list[Todo]:
    """The counts the caller's roles answer for, most pressing queue first."""
    roles = caller.roles
    found: list[Todo] = []
    if allowed("objections.handle", roles):
        office = caller.has("operator")
        department = None if office else caller.department_code
        if office or department is not None:
            total, late, soon = repo.objections(session, department_code=department, escalated_only=office,
                                                today=today, soon=today + timedelta(days=DUE_SOON_DAYS))
            found.append(Todo("objections", "超期督办的异议" if office else "待处理的异议", total,
                              "/console/objections", f"已超期 {late} 件，{DUE_SOON_DAYS} 日内到期 {soon} 件",
                              urgent=late))
    if allowed("repairs.review", roles) and (caller.has("operator") or caller.department_code is not None):
        # A department answers for its own matters' repairs; the office sees every queue (R14).
        mine = None if caller.has("operator") else caller.department_code
        submitted, accepted, late = repo.repairs(session, today, department_code=mine)
        found.append(Todo("repairs", "待审核的信用修复", submitted + accepted, "/console/repairs",
                          f"待受理 {submitted} 件，待决定 {accepted} 件，已超期 {late} 件", urgent=late))
    if allowed("tipoffs.handle", roles):
        received, handling = repo.tipoffs(session)
        found.append(Todo("tipoffs", "待办理的举报", received + handling, "/console/tipoffs",
                          f"新收到 {received} 件，办理中 {handling} 件", urgent=received))
    if allowed("alerts.read", roles):
        found.append(Todo("alerts", "未处理的异常使用告警", repo.alerts(session), "/alerts", "查询量、夜间查询等异常"))
    if allowed("conflicts.resolve", roles):
        found.append(Todo("conflicts", "待核实的信息冲突", repo.conflicts(session), "/console/conflicts",
                          "不同部门报送的姓名、任职等不一致"))
    if allowed("records.submit", roles) and caller.department_code is not None:
        since = datetime.combine(today - timedelta(days=REJECTED_DAYS), time(0), CHINA)
        files, rows = repo.rejected_files(session, caller.department_code, since)
        found.append(Todo("rejected", "有未通过行的报送文件", files, "/dept/uploads",
                          f"近 {REJECTED_DAYS} 天 {files} 个文件共 {rows} 行未通过校验，改正后重新报送"))
    if allowed("lists.write", roles) and caller.department_code is not None:
        ready, running = listing.awaiting(session, caller.department_code, today)
        found.append(Todo("listing", "待决定的列入程序", ready, "/console/listing",
                          f"已收到陈述申辩或期限届满 {ready} 件，陈述申辩期内 {running} 件"))
    if allowed("checks.feedback", roles) and caller.department_code is not None:
        found.append(Todo("feedback", "待反馈的核查命中", repo.unanswered_hits(session, caller.department_code),
                          "/dept/feedback", "命中措施后是否实施，请逐条反馈"))
    return found


def shortcuts(caller: Caller) -> list[Shortcut]:
    # Only the listing department ends an entry (the office keeps no list of its own): the note says so
    # only to those who can.
    ends = "，移出本部门列入的条目" if allowed("lists.write", caller.roles) else ""
    return [Shortcut(title, href, note + (ends if href == "/console/lists" else ""))
            for perm, href, title, note in SHORTCUTS if allowed(perm, caller.roles)]


def badges(session: Session, caller: Caller, today: date) -> dict[str, int]:
    """The menu's badges: each queue's count beside its menu item."""
    return {t.href: t.count for t in todos(session, caller, today) if t.count}
