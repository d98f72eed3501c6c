"""Masking for anything shown to the public or a third party (R8 defaults).

Pure functions; every public or third-party output goes through them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from chengxin.publicity.rules import add_months

if TYPE_CHECKING:
    from chengxin.creditfile.schemas import CreditFile, MatterOut

# Compound surnames keep both characters visible (欧阳**), per R8: only real compound surnames,
# because a two-character prefix taken for one that is not shows a character of the given name
# (吴铭远 is 吴 + 铭远). The sources are the ones R8 names and the compound surnames of the 百家姓;
# left out, so that such names show the first character only ("when in doubt, show less"):
# - pairs of single surnames the 百家姓 prints among its compound ones (仉督, 晋楚, 闫法, 汝鄢,
#   涂钦, 岳帅, 缑亢, 况后, 有琴, 商牟, 佘佴, 伯赏, 墨哈, 谯笪, 年爱, 阳佟, 言福);
# - compound surnames whose first character is a common single surname and whose second is a
#   common given-name character, where the single-surname reading is the likelier one
#   (单于, 宗政, 乐正, 濮阳, 谷梁, 归海).
# tests/core/test_masking.py holds the sources and checks the list against them.
R8_COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "令狐",
    "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "闻人", "澹台", "公冶", "太史", "申屠",
    "钟离", "拓跋", "万俟",
)
COMPOUND_SURNAMES = frozenset([
    *R8_COMPOUND_SURNAMES,
    # The other compound surnames of the 百家姓.
    "赫连", "公羊", "淳于", "太叔", "仲孙", "鲜于", "闾丘", "司空", "亓官", "司寇", "子车", "颛孙", "巫马",
    "公西", "漆雕", "壤驷", "公良", "夹谷", "宰父", "段干", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘",
    "东门", "第五",
])


def mask_name(name: str | None) -> str:
    """Surname only: 张三 -> 张*, 欧阳修文 -> 欧阳**."""
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "*" * max(len(name) - keep, 1)


def mask_id(number: str | None, head: int = 4, tail: int = 4) -> str:
    """At most the first 4 and last 4 characters: 1101**********002X."""
    if not number:
        return ""
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def mask_phone(phone: str | None) -> str:
    """First 3 and last 4 digits: 138****1234."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(address: str | None) -> str:
    """The first character of the mailbox and the domain: zhangsan@example.cn -> z***@example.cn."""
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


# --- what a third party sees (authorised queries, R6–R8) --------------------------------------
#
# A third party with the person's authorisation sees the file restricted to the granted
# categories, and never:
# - records the catalog shares with government only (disclosure "government");
# - revoked records (a withdrawn decision is not credit information; after repair sharing
#   stops, R4);
# - anything about a child under 14 on the day of the query (PIPL arts. 28, 31: sensitive
#   information that needs the guardian's separate consent, which a grant does not carry);
# - minor (轻微) dishonesty committed before 18 (R7: a minor's corrected minor dishonesty is
#   protected; the platform cannot tell "corrected", so it protects all of it);
# - more of the identity than R8 allows: the ID masked, the name as the surname only, and
#   nothing derived from the hidden digits (birth year, sex, region).

THIRD_PARTY_DISCLOSURES = frozenset({"public", "authorised"})
CHILD_MONTHS = 12 * 14
ADULT_MONTHS = 12 * 18


def withheld_from_third_party(*, disclosure: str, nature: str, severity: str | None, decision_date: date,
                              revoked: bool, birth_date: date | None, as_of: date) -> bool:
    """Whether a record stays out of what a third party sees (the rules above)."""
    if disclosure not in THIRD_PARTY_DISCLOSURES or revoked:
        return True
    if birth_date is None:
        return False
    if as_of < add_months(birth_date, CHILD_MONTHS):
        return True
    return nature == "negative" and severity == "minor" and decision_date < add_months(birth_date, ADULT_MONTHS)


def third_party_file(file: CreditFile, *, birth_date: date | None, categories: frozenset[str] | None) -> CreditFile:
    """The credit file as an authorised third party may see it: only `categories` (None for the
    full report), without withheld records, identity masked, summary counted over what is left."""

    def kept(matters: list[MatterOut], subject_birth: date | None) -> list[MatterOut]:
        return [m for m in matters
                if (categories is None or m.category in categories)
                and not withheld_from_third_party(
                    disclosure=m.disclosure, nature=m.nature, severity=m.severity, decision_date=m.start_date,
                    revoked=m.state in ("revoked", "court_deleted"), birth_date=subject_birth, as_of=file.as_of)]

    own_categories = []
    for cat in file.categories:
        matters = kept(cat.matters, birth_date)
        if matters:
            own_categories.append(cat.model_copy(update={"matters": [_no_history(m) for m in matters]}))
    child = birth_date is not None and file.as_of < add_months(birth_date, CHILD_MONTHS)
    organisations = []
    for org in [] if child else file.organisations:
        matters = kept(org.matters, None)  # the organisation's own matters: no age rule applies
        if matters or categories is None:  # a category scope does not reveal bare organisation links
            organisations.append(org.model_copy(update={"matters": [_no_history(m) for m in matters]}))
    own = [m for c in own_categories for m in c.matters]
    listed: dict[str, int] = {}
    for m in own:
        if m.listing is not None and m.listing.listed:
            listed[m.listing.list_type] = listed.get(m.listing.list_type, 0) + 1
    ident = file.identity
    identity = ident.model_copy(update={
        "id_number": mask_id(ident.id_number), "masked": True, "name": mask_name(ident.name),
        "sex": None, "sex_label": None, "birth_year": None, "region_code": None, "region_name": None})
    summary = file.summary.model_copy(update={
        "total": len(own),
        "positive": sum(r.nature == "positive" for r in own),
        "negative": sum(r.nature == "negative" for r in own),
        "neutral": sum(r.nature == "neutral" for r in own),
        "in_publicity": sum(r.publicity.status == "in_publicity" for r in own), "listed": listed})
    # A reference source's information (R15) is for the bodies that apply measures, not for third parties.
    return file.model_copy(update={"identity": identity, "summary": summary, "categories": own_categories,
                                   "organisations": organisations, "references": []})


def _no_history(matter: MatterOut) -> MatterOut:
    """Earlier versions are the platform's business, not a third party's; nor are the person's actions."""
    record = matter.record
    if record is not None and record.versions is not None:
        record = record.model_copy(update={"versions": None})
    return matter.model_copy(update={"record": record, "actions": None})
