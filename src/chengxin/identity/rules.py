"""Validation of personal identity documents (R1) and organisation codes (R2).

Pure functions over strings: no database, no I/O except reading python-stdnum's
administrative-division table once, lazily. `parse_citizen_id` sits on hot
paths (bulk ingestion, sanction checks), so it is written for speed: the valid
path allocates no exception, uses no regex and caches birth dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from chengxin import clock
from chengxin.errors import DomainError

_MESSAGES: dict[str, str] = {
    "ID_EMPTY": "证件号码为空",
    "ID_LENGTH": "公民身份号码应为18位（或旧版15位）",
    "ID_CHARS": "公民身份号码含有不允许的字符：应为数字，18位号码末位可为X",
    "ID_CHECKSUM": "公民身份号码校验码错误，请核对号码",
    "ID_BIRTH_DATE_INVALID": "号码中的出生日期不是有效日期",
    "ID_BIRTH_DATE_FUTURE": "号码中的出生日期晚于当前日期",
    "ID_PROVINCE_UNKNOWN": "号码中的省级行政区划代码不存在",
    "ID_TYPE_UNKNOWN": "不支持的证件类型",
    "USCC_LENGTH": "统一社会信用代码应为18位",
    "USCC_CHARS": "统一社会信用代码含有不允许的字符（只用数字和除I、O、S、V、Z以外的大写字母）",
    "USCC_CHECKSUM": "统一社会信用代码校验码错误，请核对代码",
    "PASSPORT_FORMAT": "护照号码格式不正确：应为5至17位字母或数字",
    "HK_MACAO_PERMIT_FORMAT": "港澳居民来往内地通行证号码格式不正确：应为H或M加8位或10位数字",
    "TAIWAN_PERMIT_FORMAT": "台湾居民来往大陆通行证号码格式不正确：应为8位或10位数字",
    "FOREIGN_PR_FORMAT": (
        "外国人永久居留身份证号码格式不正确：应为3位字母加12位数字，或以9开头的18位号码"
    ),
}


class IdentityError(DomainError):
    """An identifier failed validation; `code` is stable, `message` is for people."""

    def __init__(self, code: str, message: str | None = None, **extra: Any) -> None:
        super().__init__(code, message or _MESSAGES.get(code, "证件号码不正确"), 422, **extra)


ID_TYPES: dict[str, str] = {
    "citizen_id": "居民身份证",
    "passport": "护照",
    "hk_macao_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent_resident": "外国人永久居留身份证",
}

# Labels as departments actually write them. The residence permits for Hong
# Kong, Macao and Taiwan residents carry GB 11643 numbers (address codes
# 810000, 820000, 830000), so they validate as citizen IDs. "港澳通行证" is left
# out on purpose: it usually means the mainlanders' 往来港澳通行证, not ours.
ID_TYPE_BY_LABEL: dict[str, str] = {
    **{label: code for code, label in ID_TYPES.items()},
    "身份证": "citizen_id",
    "身份证号": "citizen_id",
    "身份证号码": "citizen_id",
    "居民身份证号码": "citizen_id",
    "公民身份证": "citizen_id",
    "公民身份号码": "citizen_id",
    "临时居民身份证": "citizen_id",
    "港澳居民居住证": "citizen_id",
    "台湾居民居住证": "citizen_id",
    "港澳台居民居住证": "citizen_id",
    "中国护照": "passport",
    "外国护照": "passport",
    "普通护照": "passport",
    "回乡证": "hk_macao_permit",
    "港澳居民来往内地通行证号码": "hk_macao_permit",
    "台胞证": "taiwan_permit",
    "台湾居民来往大陆通行证号码": "taiwan_permit",
    "外国人永久居留证": "foreign_permanent_resident",
    "外国人永久居留身份证号码": "foreign_permanent_resident",
    "永久居留身份证": "foreign_permanent_resident",
}


@dataclass(frozen=True, slots=True)
class Identifier:
    """A validated identifier with what its number encodes."""

    id_type: str
    number: str
    birth_date: date | None
    sex: str | None
    region_code: str | None
    warnings: tuple[tuple[str, str], ...]


# --- GB 11643 citizen ID ---------------------------------------------------

# Index is S mod 11, S = Σ aᵢ·Wᵢ with Wᵢ = 2^(17-i) mod 11.
_CHECK_CHARS = "10X98765432"
_LAST_CHARS = "0123456789X"
# GB/T 2260 provinces; 71 Taiwan; 81/82/83 the residence permits of Hong Kong,
# Macao and Taiwan residents.
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
_PROVINCES = frozenset(str(code) for low, high in _PROVINCE_RANGES for code in range(low, high + 1))
_MIN_BIRTH_YEAR = 1850
# Full-width digits and X, as typed with Chinese input methods.
_FULL_WIDTH = str.maketrans({**{0xFF10 + i: str(i) for i in range(10)}, 0xFF38: "X", 0xFF58: "X"})

# YYYYMMDD -> date for valid dates only; bounded, though real traffic stays
# far below the bound (about 64,000 days lie between 1850 and today).
_DATE_CACHE: dict[str, date] = {}
_DATE_CACHE_MAX = 100_000
# The latest platform "today" seen (at clock epoch `_epoch_seen`): a birth date on or before it
# can never be in the future, so the valid path needs no clock call (~1 µs).
_today_seen = date.min
_epoch_seen = -1


def _check_char(first17: str) -> str:
    # 13 ≡ 2 (mod 11), so int(first17, 13) ≡ Σ aᵢ·2^(16-i); doubling gives S.
    # The conversion runs in C, several times faster than a Python sum.
    return _CHECK_CHARS[(int(first17, 13) << 1) % 11]


def citizen_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) != 17:
        raise IdentityError("ID_LENGTH", "计算校验码需要17位数字")
    if not (first17.isascii() and first17.isdigit()):
        raise IdentityError("ID_CHARS", "计算校验码需要17位数字")
    return _check_char(first17)


def _clean(raw: str | None) -> str:
    """Upper-case, full-width to ASCII, all whitespace removed."""
    if not isinstance(raw, str):
        if raw is None:
            raise IdentityError("ID_EMPTY")
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise IdentityError("ID_CHARS", "证件号码应为文本")
        # Spreadsheets hand over digit-only numbers as integers.
        raw = str(raw)
    s = "".join(raw.translate(_FULL_WIDTH).split()).upper()
    if not s:
        raise IdentityError("ID_EMPTY")
    return s


def normalise_citizen_id(raw: str) -> str:
    """Normalise to 18 characters (15-digit form converted); checks length and characters only."""
    s = _clean(raw)
    n = len(s)
    if n == 18:
        if not (s.isascii() and s[:17].isdigit() and s[17] in _LAST_CHARS):
            raise IdentityError("ID_CHARS")
        return s
    if n == 15:
        if not (s.isascii() and s.isdigit()):
            raise IdentityError("ID_CHARS")
        # First-generation numbers: 6 address + YYMMDD + 3 sequence; century is 19.
        first17 = s[:6] + "19" + s[6:]
        return first17 + _check_char(first17)
    raise IdentityError("ID_LENGTH")


def _birth_date(ymd: str) -> date:
    """A validated date for 8 ASCII digits YYYYMMDD (cache miss path)."""
    d = _DATE_CACHE.get(ymd)
    if d is not None:
        return d
    try:
        d = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
    except ValueError:
        raise IdentityError("ID_BIRTH_DATE_INVALID") from None
    if d.year < _MIN_BIRTH_YEAR:
        raise IdentityError("ID_BIRTH_DATE_INVALID", "号码中的出生日期早于1850年")
    if len(_DATE_CACHE) < _DATE_CACHE_MAX:
        _DATE_CACHE[ymd] = d
    return d


def _check_not_future(d: date, today: date | None) -> None:
    global _today_seen, _epoch_seen
    if today is None:
        if d <= _today_seen and _epoch_seen == clock.epoch:
            return
        _epoch_seen = clock.epoch
        today = _today_seen = clock.today()
    if d > today:
        raise IdentityError("ID_BIRTH_DATE_FUTURE")


def parse_citizen_id(raw: str, today: date | None = None) -> Identifier:
    """Validate a citizen ID per R1 and return what it encodes."""
    if (
        raw.__class__ is str
        and len(raw) == 18
        and raw.isascii()
        and raw[:17].isdigit()
        and raw[17] in _LAST_CHARS
    ):
        s = raw  # already normal: the common case
    else:
        s = normalise_citizen_id(raw)
    if s[17] != _CHECK_CHARS[(int(s[:17], 13) << 1) % 11]:
        raise IdentityError("ID_CHECKSUM")
    if s[:2] not in _PROVINCES:
        raise IdentityError("ID_PROVINCE_UNKNOWN")
    ymd = s[6:14]
    d = _DATE_CACHE.get(ymd) or _birth_date(ymd)
    if today is None and d <= _today_seen and _epoch_seen == clock.epoch:
        pass  # inlined fast case of _check_not_future
    else:
        _check_not_future(d, today)
    region = s[:6]
    known = _known_codes if _known_codes is not None else _load_regions()
    warnings = () if region in known else (_county_warning(region),)
    return Identifier(
        "citizen_id", s, d, "male" if s[16] in "13579" else "female", region, warnings
    )


def is_valid_citizen_id(raw: str, today: date | None = None) -> bool:
    """True when `parse_citizen_id` accepts the number (warnings allowed)."""
    try:
        parse_citizen_id(raw, today)
    except IdentityError:
        return False
    return True


def _county_warning(region: str) -> tuple[str, str]:
    return (
        "ID_COUNTY_UNKNOWN",
        f"地址码{region}不在已知行政区划代码中（可能是已撤销或新设的代码），请核对",
    )


# --- Administrative divisions (GB/T 2260) from python-stdnum -----------------

_known_codes: frozenset[str] | None = None
_region_names: dict[str, str] = {}
# Address code of the Taiwan residents' residence permit; not in stdnum's table.
_EXTRA_REGIONS = {"830000": "台湾地区"}
_SKIPPED_CITY_NAMES = frozenset({"市辖区", "县"})


def _latest_name(value: str) -> str:
    # "[-1991]东郊区,[1992-]东丽区": the entries run oldest to newest.
    last = value.split(",")[-1]
    return last.split("]", 1)[1] if last.startswith("[") else last


def _walk(prefixes: list[Any], head: str) -> Any:
    for _length, low, high, props, children in prefixes:
        parts = (
            [low]
            if low == high
            else [str(i).zfill(len(low)) for i in range(int(low), int(high) + 1)]
        )
        for part in parts:
            yield head + part, props
            yield from _walk(children, head + part)


def _load_regions() -> frozenset[str]:
    """Read every code stdnum knows, whatever its validity years."""
    global _known_codes
    from stdnum import numdb

    names: dict[str, str] = {}
    for code, props in _walk(numdb.get("cn/loc").prefixes, ""):
        if len(code) == 2 and "province" in props:
            names.setdefault(code + "0000", _latest_name(props["province"]))
        elif len(code) == 6 and "county" in props:
            names[code] = _latest_name(props["county"])
    names.update(_EXTRA_REGIONS)
    _region_names.update(names)
    _known_codes = frozenset(names)
    return _known_codes


def region_name(code: str) -> str | None:
    """Full Chinese name (province, city, county) of a 6-digit address code, or None."""
    if not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    if _known_codes is None:
        _load_regions()
    name = _region_names.get(code)
    if name is None:
        return None
    province = _region_names.get(code[:2] + "0000", "")
    if code[2:] == "0000":
        return name
    parts = [province]
    city = _region_names.get(code[:4] + "00")
    if code[4:] != "00" and city and city not in _SKIPPED_CITY_NAMES and "直辖" not in city:
        parts.append(city)
    parts.append(name)
    return "".join(parts)


# --- GB 32100 unified social credit code -------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    if len(first17) != 17:
        raise IdentityError("USCC_LENGTH", "计算校验码需要17位字符")
    try:
        total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    except KeyError:
        raise IdentityError("USCC_CHARS") from None
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalise_uscc(raw: str) -> str:
    """Validate a unified social credit code per R2 and return it normalised."""
    s = _clean(raw)
    if len(s) != 18:
        raise IdentityError("USCC_LENGTH")
    if any(c not in _USCC_VALUES for c in s):
        raise IdentityError("USCC_CHARS")
    if s[17] != uscc_check_char(s[:17]):
        raise IdentityError("USCC_CHECKSUM")
    return s


# --- Other personal documents --------------------------------------------------
# Real documents vary, so these checks are deliberately lenient: they catch
# typing errors and wrong-field mistakes, not forgeries.


def _parse_passport(s: str) -> Identifier:
    # Chinese passports: E/G/D/S/P + 8 digits, or E + letter + 7 digits (EA…);
    # foreign passports: 5-17 letters and digits (ICAO 9303 allows up to 9 in
    # the MRZ, but some states issue longer numbers). The lenient rule covers both.
    if not (5 <= len(s) <= 17 and s.isascii() and s.isalnum()):
        raise IdentityError("PASSPORT_FORMAT")
    return Identifier("passport", s, None, None, None, ())


def _parse_hk_macao_permit(s: str) -> Identifier:
    # 回乡证: H (Hong Kong) or M (Macao) + 8 digits; older cards + 10 digits.
    rest = s[1:]
    if not (s[:1] in ("H", "M") and len(rest) in (8, 10) and rest.isascii() and rest.isdigit()):
        raise IdentityError("HK_MACAO_PERMIT_FORMAT")
    return Identifier("hk_macao_permit", s, None, None, None, ())


def _parse_taiwan_permit(s: str) -> Identifier:
    # 台胞证: 8 digits; older booklets add a 2-digit issue count, often written
    # in brackets ("12345678(01)"), which normalises to 10 digits.
    s = s.translate(_BRACKETS)
    if not (len(s) in (8, 10) and s.isascii() and s.isdigit()):
        raise IdentityError("TAIWAN_PERMIT_FORMAT")
    return Identifier("taiwan_permit", s, None, None, None, ())


_BRACKETS = str.maketrans("", "", "()（）")


def _parse_foreign_pr(s: str, today: date | None) -> Identifier:
    # Old card (2004-2023): ISO 3166 alpha-3 nationality + 12 digits; the
    # 2-digit year of birth inside is ambiguous, so nothing is derived from it.
    if len(s) == 15:
        head, tail = s[:3], s[3:]
        if not (s.isascii() and head.isalpha() and tail.isdigit()):
            raise IdentityError("FOREIGN_PR_FORMAT")
        return Identifier("foreign_permanent_resident", s, None, None, None, ())
    # New card (since December 2023): 9 + 2-digit province of issue + 3-digit
    # nationality + YYYYMMDD + 3-digit sequence (odd = male) + GB 11643 check.
    if not (
        len(s) == 18 and s[0] == "9" and s.isascii() and s[:17].isdigit() and s[17] in _LAST_CHARS
    ):
        raise IdentityError("FOREIGN_PR_FORMAT")
    if s[17] != _check_char(s[:17]):
        raise IdentityError("ID_CHECKSUM", "外国人永久居留身份证号码校验码错误，请核对号码")
    d = _birth_date(s[6:14])
    _check_not_future(d, today)
    sex = "male" if s[16] in "13579" else "female"
    return Identifier("foreign_permanent_resident", s, d, sex, None, ())


def parse_identifier(id_type: str, raw: str, today: date | None = None) -> Identifier:
    """Validate a number of the given document type (code or Chinese label)."""
    key = id_type.strip() if isinstance(id_type, str) else ""
    code = key if key in ID_TYPES else ID_TYPE_BY_LABEL.get(key)
    if code is None:
        raise IdentityError("ID_TYPE_UNKNOWN", f"不支持的证件类型：{id_type}")
    if code == "citizen_id":
        return parse_citizen_id(raw, today)
    s = _clean(raw)
    if code == "passport":
        return _parse_passport(s)
    if code == "hk_macao_permit":
        return _parse_hk_macao_permit(s)
    if code == "taiwan_permit":
        return _parse_taiwan_permit(s)
    return _parse_foreign_pr(s, today)


def known_region_codes() -> frozenset[str]:
    """Every 6-digit address code known to the platform (for demo data and reports)."""
    return _known_codes if _known_codes is not None else _load_regions()
