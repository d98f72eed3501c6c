"""Identity rules R1 (citizen ID), R2 (USCC) and the other personal documents."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from chengxin.errors import DomainError
from chengxin.identity.rules import (
    ID_TYPE_BY_LABEL,
    ID_TYPES,
    Identifier,
    IdentityError,
    citizen_id_check_char,
    is_valid_citizen_id,
    normalise_citizen_id,
    normalise_uscc,
    parse_citizen_id,
    parse_identifier,
    region_name,
    uscc_check_char,
)

TODAY = date(2025, 6, 1)

# An implementation independent of the module's int(…, 13) trick, straight from R1.
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _W, strict=True)) % 11]


def make_id(region: str, born: date, seq: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def error_code(fn, *args, **kwargs) -> str:
    with pytest.raises(IdentityError) as info:
        fn(*args, **kwargs)
    assert isinstance(info.value, DomainError)
    assert info.value.status == 422
    assert info.value.message  # Chinese text for people
    return info.value.code


# --- R1 citizen ID ------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "born", "sex", "region"),
    [
        ("11010519491231002X", date(1949, 12, 31), "female", "110105"),
        ("110101199003070011", date(1990, 3, 7), "male", "110101"),
        ("310101200002290015", date(2000, 2, 29), "male", "310101"),
        ("44030419900307123X", date(1990, 3, 7), "male", "440304"),
        ("11010519800101018X", date(1980, 1, 1), "female", "110105"),
    ],
)
def test_r1_valid_examples(number: str, born: date, sex: str, region: str) -> None:
    ident = parse_citizen_id(number, TODAY)
    assert ident == Identifier("citizen_id", number, born, sex, region, ())
    assert is_valid_citizen_id(number, TODAY)
    assert citizen_id_check_char(number[:17]) == number[17]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310020", "ID_CHECKSUM"),
        ("110105199002300028", "ID_BIRTH_DATE_INVALID"),  # 30 February
        ("110105200102290029", "ID_BIRTH_DATE_INVALID"),  # 29 February 2001
        ("11010519491231002", "ID_LENGTH"),
        ("1101O519491231002X", "ID_CHARS"),  # letter O
        ("", "ID_EMPTY"),
        ("   ", "ID_EMPTY"),
        ("11010519491231002X1", "ID_LENGTH"),
        ("11010519491231002Y", "ID_CHARS"),
        ("1101051949123100X2", "ID_CHARS"),
        ("110105184912310020", "ID_BIRTH_DATE_INVALID"),  # before 1850
        ("110105194913310021", "ID_BIRTH_DATE_INVALID"),  # month 13
    ],
)
def test_r1_invalid_examples(number: str, code: str) -> None:
    if code == "ID_BIRTH_DATE_INVALID":
        # The check character is right, so the date is what fails.
        assert citizen_id_check_char(number[:17]) == number[17]
    assert error_code(parse_citizen_id, number, TODAY) == code
    assert not is_valid_citizen_id(number, TODAY)


def test_none_is_empty() -> None:
    assert error_code(parse_citizen_id, None) == "ID_EMPTY"


def test_lower_case_x_spaces_and_full_width_are_normalised() -> None:
    assert parse_citizen_id("11010519491231002x", TODAY).number == "11010519491231002X"
    assert normalise_citizen_id(" 110105 19491231 002x ") == "11010519491231002X"
    assert normalise_citizen_id("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_integer_input_from_spreadsheets() -> None:
    assert parse_citizen_id(110101199003070011, TODAY).number == "110101199003070011"  # type: ignore[arg-type]


@pytest.mark.parametrize("number", ["11010519491231002X", "110101199003070011"])
def test_15_digit_form_converts_to_18(number: str) -> None:
    old = number[:6] + number[8:17]  # drop "19" and the check character
    assert len(old) == 15
    assert normalise_citizen_id(old) == number
    ident = parse_citizen_id(old, TODAY)
    assert ident.number == number
    assert ident.birth_date == parse_citizen_id(number, TODAY).birth_date


def test_15_digit_form_rejects_letters_and_bad_dates() -> None:
    assert error_code(normalise_citizen_id, "11010549123100X") == "ID_CHARS"
    # 19000229 does not exist: 1900 was no leap year.
    assert error_code(parse_citizen_id, "110105000229002", TODAY) == "ID_BIRTH_DATE_INVALID"


def test_birth_date_in_the_future_relative_to_today() -> None:
    today = date(2020, 1, 1)
    assert parse_citizen_id(make_id("110105", today, 1), today).birth_date == today
    tomorrow = make_id("110105", today + timedelta(days=1), 1)
    assert error_code(parse_citizen_id, tomorrow, today) == "ID_BIRTH_DATE_FUTURE"
    assert parse_citizen_id(tomorrow, date(2021, 1, 1)).birth_date == date(2020, 1, 2)


def test_birth_date_in_the_future_relative_to_the_clock(clock) -> None:
    far = make_id("110105", date(2999, 1, 1), 1)
    assert error_code(parse_citizen_id, far) == "ID_BIRTH_DATE_FUTURE"
    assert parse_citizen_id(make_id("110105", clock.today(), 1)).birth_date == clock.today()
    # The clock moved back a year: a birth date that was valid yesterday is in the future now.
    born = clock.today()
    clock.set(clock.now() - timedelta(days=365))
    assert error_code(parse_citizen_id, make_id("110105", born, 1)) == "ID_BIRTH_DATE_FUTURE"


def test_unknown_province_is_an_error() -> None:
    for province in ("99", "00", "16", "72", "84", "91"):
        number = make_id(province + "0101", date(1990, 1, 1), 1)
        assert error_code(parse_citizen_id, number, TODAY) == "ID_PROVINCE_UNKNOWN"


@pytest.mark.parametrize("region", ["810000", "820000", "830000", "710000"])
def test_residence_permit_and_taiwan_codes_are_known(region: str) -> None:
    ident = parse_citizen_id(make_id(region, date(1990, 1, 1), 2), TODAY)
    assert ident.warnings == ()
    assert region_name(region)


def test_unknown_county_is_only_a_warning() -> None:
    ident = parse_citizen_id(make_id("111199", date(1990, 1, 1), 1), TODAY)
    assert ident.region_code == "111199"
    assert [code for code, _ in ident.warnings] == ["ID_COUNTY_UNKNOWN"]
    assert "111199" in ident.warnings[0][1]
    assert is_valid_citizen_id(ident.number, TODAY)


def test_abolished_county_is_known_whatever_the_birth_year() -> None:
    # 崇文区 (110103) was merged away in 2010; stdnum's own validate rejects this.
    ident = parse_citizen_id(make_id("110103", date(2015, 5, 5), 1), TODAY)
    assert ident.warnings == ()
    assert region_name("110103") == "北京市崇文区"


@pytest.mark.parametrize(
    ("seq", "sex"), [(0, "female"), (1, "male"), (998, "female"), (999, "male")]
)
def test_sex_from_sequence_parity(seq: int, sex: str) -> None:
    assert parse_citizen_id(make_id("110105", date(1990, 1, 1), seq), TODAY).sex == sex


def test_check_char_needs_17_digits() -> None:
    assert error_code(citizen_id_check_char, "1101051949123100") == "ID_LENGTH"
    assert error_code(citizen_id_check_char, "1101051949123100A") == "ID_CHARS"
    assert error_code(citizen_id_check_char, "１１０１０５１９４９１２３１００２") == "ID_CHARS"


def test_random_valid_ids_parse_with_their_birth_date_and_sex() -> None:
    from stdnum import numdb

    # Known county codes read straight from stdnum, independently of the module.
    counties = [
        province + county
        for _, province, _, _, children in numdb.get("cn/loc").prefixes
        for _, county, _, _, _ in children
    ]
    rng = random.Random(11643)
    start = date(1850, 1, 1)
    span = (TODAY - start).days
    for _ in range(1000):
        region = rng.choice(counties)
        born = start + timedelta(days=rng.randrange(span + 1))
        seq = rng.randrange(1000)
        number = make_id(region, born, seq)
        ident = parse_citizen_id(number, TODAY)
        assert ident.number == number
        assert ident.birth_date == born
        assert ident.sex == ("male" if seq % 2 else "female")
        assert ident.region_code == region
        assert ident.warnings == ()


# --- Region names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110000", "北京市"),
        ("110105", "北京市朝阳区"),
        ("130100", "河北省石家庄市"),
        ("130102", "河北省石家庄市长安区"),
        ("440304", "广东省深圳市福田区"),
        ("120110", "天津市东丽区"),  # was 东郊区 until 1991: the newest name wins
        ("111199", None),
        ("1101", None),
        ("11010A", None),
    ],
)
def test_region_name(code: str, name: str | None) -> None:
    assert region_name(code) == name


# --- R2 unified social credit code --------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L", "91310115MA1K3BTP2B"])
def test_r2_valid_examples(code: str) -> None:
    assert normalise_uscc(code) == code
    assert normalise_uscc(" " + code.lower() + " ") == code
    assert uscc_check_char(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        # Z is outside the GB 32100 alphabet, so it fails as a character before
        # any checksum is computed.
        ("91350100M000100Y4Z", "USCC_CHARS"),
        ("91110000600037341N", "USCC_CHECKSUM"),
        ("91110000600037341", "USCC_LENGTH"),
        ("91110000600O37341L", "USCC_CHARS"),
        ("", "ID_EMPTY"),
    ],
)
def test_r2_invalid_examples(code: str, error: str) -> None:
    assert error_code(normalise_uscc, code) == error


def test_uscc_check_char_zero_case() -> None:
    # 31 - (S mod 31) = 31 must map to "0": search a prefix that produces it.
    for n in range(10_000):
        first17 = f"9111000060{n:07d}"
        if uscc_check_char(first17) == "0":
            assert normalise_uscc(first17 + "0") == first17 + "0"
            break
    else:
        pytest.fail("no prefix with check character 0 found")


# --- Other documents and dispatch ----------------------------------------------


@pytest.mark.parametrize(
    ("id_type", "raw", "number"),
    [
        ("passport", "E12345678", "E12345678"),
        ("passport", "ea1234567", "EA1234567"),
        ("passport", "G 1234 5678", "G12345678"),
        ("passport", "X1234", "X1234"),
        ("passport", "123456789ABCDEFGH", "123456789ABCDEFGH"),
        ("hk_macao_permit", "H12345678", "H12345678"),
        ("hk_macao_permit", "m1234567890", "M1234567890"),
        ("taiwan_permit", "12345678", "12345678"),
        ("taiwan_permit", "1234567801", "1234567801"),
        ("taiwan_permit", "12345678(01)", "1234567801"),
        ("foreign_permanent_resident", "usa110185061501", "USA110185061501"),
    ],
)
def test_other_documents_valid(id_type: str, raw: str, number: str) -> None:
    ident = parse_identifier(id_type, raw, TODAY)
    assert ident == Identifier(id_type, number, None, None, None, ())


@pytest.mark.parametrize(
    ("id_type", "raw", "code"),
    [
        ("passport", "E123", "PASSPORT_FORMAT"),
        ("passport", "123456789ABCDEFGHJ", "PASSPORT_FORMAT"),
        ("passport", "E1234567-8", "PASSPORT_FORMAT"),
        ("passport", "", "ID_EMPTY"),
        ("hk_macao_permit", "C12345678", "HK_MACAO_PERMIT_FORMAT"),
        ("hk_macao_permit", "H1234567", "HK_MACAO_PERMIT_FORMAT"),
        ("hk_macao_permit", "H123456789", "HK_MACAO_PERMIT_FORMAT"),
        ("hk_macao_permit", "12345678", "HK_MACAO_PERMIT_FORMAT"),
        ("taiwan_permit", "1234567", "TAIWAN_PERMIT_FORMAT"),
        ("taiwan_permit", "T12345678", "TAIWAN_PERMIT_FORMAT"),
        ("taiwan_permit", "123456789", "TAIWAN_PERMIT_FORMAT"),
        ("foreign_permanent_resident", "US1110185061501", "FOREIGN_PR_FORMAT"),
        ("foreign_permanent_resident", "USA11018506150", "FOREIGN_PR_FORMAT"),
        ("foreign_permanent_resident", "811840198506150011", "FOREIGN_PR_FORMAT"),
    ],
)
def test_other_documents_invalid(id_type: str, raw: str, code: str) -> None:
    assert error_code(parse_identifier, id_type, raw, TODAY) == code


def test_new_foreign_permanent_resident_card() -> None:
    # 9 + province of issue 11 + nationality 840 + 1985-06-15 + sequence 001.
    number = "911840198506150" + "01"
    number += check_char(number)
    ident = parse_identifier("foreign_permanent_resident", number, TODAY)
    assert ident == Identifier(
        "foreign_permanent_resident", number, date(1985, 6, 15), "male", None, ()
    )
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert error_code(parse_identifier, "foreign_permanent_resident", wrong) == "ID_CHECKSUM"
    bad_date = "911840198502300" + "02"
    bad_date += check_char(bad_date)
    code = error_code(parse_identifier, "foreign_permanent_resident", bad_date, TODAY)
    assert code == "ID_BIRTH_DATE_INVALID"


def test_dispatch_to_citizen_id_and_by_label() -> None:
    assert parse_identifier("citizen_id", "11010519491231002x", TODAY).number == (
        "11010519491231002X"
    )
    assert parse_identifier("身份证", "11010519491231002X", TODAY).id_type == "citizen_id"
    assert parse_identifier("台胞证", "12345678").id_type == "taiwan_permit"
    assert error_code(parse_identifier, "citizen_id", "110105194912310020") == "ID_CHECKSUM"


@pytest.mark.parametrize("id_type", ["driver_licence", "", "CITIZEN_ID", "军官证"])
def test_unknown_id_type(id_type: str) -> None:
    assert error_code(parse_identifier, id_type, "11010519491231002X") == "ID_TYPE_UNKNOWN"


def test_type_tables_are_consistent() -> None:
    assert set(ID_TYPES) == {
        "citizen_id",
        "passport",
        "hk_macao_permit",
        "taiwan_permit",
        "foreign_permanent_resident",
    }
    assert ID_TYPES["citizen_id"] == "居民身份证"
    assert set(ID_TYPE_BY_LABEL.values()) <= set(ID_TYPES)
    for code, label in ID_TYPES.items():
        assert ID_TYPE_BY_LABEL[label] == code
    assert ID_TYPE_BY_LABEL["公民身份号码"] == "citizen_id"
