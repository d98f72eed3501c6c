"""Department assessment (考核): submissions, timeliness, error rate, feedback rate, objection handling."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from chengxin.assessment import coverage as cov
from chengxin.assessment import repository as repo
from chengxin.assessment import rules
from chengxin.assessment import schemas as s
from chengxin.catalog.rules import Catalog
from chengxin.checks import service as checks
from chengxin.clock import CHINA
from chengxin.departments import repository as departments_repo
from chengxin.errors import DomainError
from chengxin.workdays.rules import working_days_between


def period(first: date | None, last: date | None, today: date) -> tuple[date, date]:
    """The days assessed: by default the 30 days before `last` (today); at most a year."""
    last = last or today
    first = first or last - timedelta(days=30)
    if first > last or (last - first).days > 366:
        raise DomainError("ASSESSMENT_PERIOD", "统计期间应为起始日不晚于截止日、且不超过一年", 422)
    return first, last


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (datetime.combine(first, time(0), CHINA), datetime.combine(last + timedelta(days=1), time(0), CHINA))


def assess(session: Session, first: date, last: date, today: date, *,
           exclude_backfill: bool = False) -> s.AssessmentOut:
    """One row per department for the days [first, last] (Beijing time), ranked, with the totals."""
    since, until = _bounds(first, last)
    names = departments_repo.names(session)
    rows: dict[str, s.DepartmentRow] = {code: s.DepartmentRow(department_code=code, department_name=name)
                                        for code, name in names.items()}

    def row(code: str) -> s.DepartmentRow:
        return rows.setdefault(code, s.DepartmentRow(department_code=code, department_name=code))

    for code, count, mean_lag, within7, backfilled in repo.record_stats(
            session, since, until, backfill_days=rules.BACKFILL_DAYS, exclude_backfill=exclude_backfill):
        r = row(code)
        r.records, r.timely, r.backfilled = int(count or 0), int(within7 or 0), int(backfilled or 0)
        r.mean_lag_days = round(float(mean_lag), 1) if mean_lag is not None else None
        r.timely_rate = round(r.timely / r.records, 4) if r.records else None
    for code, batches, total, rejected in repo.batch_stats(session, since, until):
        r = row(code)
        r.batches, r.rows, r.rejected = int(batches), int(total), int(rejected)
        r.error_rate = round(int(rejected) / int(total), 4) if total else None
    hits: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    for f in checks.feedback_rates(session, since, until=until):
        hits[f["department_code"]] += f["hits"]
        answered[f["department_code"]] += f["answered"]
    for code, n in hits.items():
        r = row(code)
        r.hits, r.answered = n, answered[code]
        r.feedback_rate = round(answered[code] / n, 4) if n else None
    handling: dict[str, list[int]] = defaultdict(list)
    for code, status, filed, decided, deadline in repo.objection_rows(session, since, until):
        r = row(code)
        if status == "open":
            r.objections_open += 1
            r.objections_overdue += deadline < today
        elif decided is not None and status != "withdrawn":
            decided_on = decided.astimezone(CHINA).date()
            handling[code].append(working_days_between(filed.astimezone(CHINA).date(), decided_on))
            r.objections_on_time += decided_on <= deadline
    for code, days in handling.items():
        r = row(code)
        r.objections_decided = len(days)
        r.objection_mean_working_days = round(sum(days) / len(days), 1)
        r.objection_on_time_rate = round(r.objections_on_time / len(days), 4)
    departments = sorted(rows.values(), key=lambda r: r.department_code)
    rules.rank(departments)
    return s.AssessmentOut(first=first, last=last, departments=departments, totals=rules.totals(departments),
                           backfill_excluded=exclude_backfill)


def coverage(session: Session, catalog: Catalog, first: date, last: date) -> s.CoverageOut:
    """Seed requirement → item → department → records collected in [first, last] (Beijing time)."""
    since, until = _bounds(first, last)
    found = cov.lines(catalog, cov.default_requirements(catalog), repo.coverage_volumes(session, since, until))
    out = [s.CoverageLine(code=ln.requirement.code, seed=ln.requirement.seed_title, section=ln.requirement.section,
                          quote=ln.requirement.quote, kind=ln.requirement.kind,
                          kind_label=cov.KINDS[ln.requirement.kind], label=ln.label, records=ln.records, gap=ln.gap,
                          cells=[s.CoverageCell(item_code=c.item_code, item_name=c.item_name,
                                                department_code=c.department_code,
                                                department_name=c.department_name, records=c.records)
                                 for c in ln.cells])
           for ln in found]
    return s.CoverageOut(first=first, last=last, lines=out, gaps=sum(1 for ln in out if ln.gap))
