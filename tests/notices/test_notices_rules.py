"""Pure rules of notices: no ID numbers in what leaves the platform, contact formats, masking,
channel names, stable message ids."""

from __future__ import annotations

import pytest

from chengxin.errors import DomainError
from chengxin.masking import mask_email
from chengxin.notices import rules
from helpers import cid


def test_id_shaped_numbers_are_found_and_ordinary_numbers_are_not():
    assert rules.has_id_number(f"证件号码{cid(5)}的异议")
    assert rules.has_id_number("11010519491231002x")
    assert rules.has_id_number("旧号码 110105491231002 已核查")
    assert not rules.has_id_number("（2026）京0105执1号；罚款 1.50 元；电话 13800138000")
    assert not rules.has_id_number("编号 01JD3X5Q7N9R2T4V6W8Y0Z1A2B")  # a ULID has digits and letters
    assert not rules.has_id_number("1234567890123456")  # 16 digits: not an ID shape
    with pytest.raises(DomainError):
        rules.require_no_id_number("标题", cid(5))


def test_phone_and_email_are_normalised_or_refused():
    assert rules.normalise_phone("+86 138-0013-8000") == "13800138000"
    assert rules.normalise_phone("  ") is None and rules.normalise_phone(None) is None
    for bad in ("12800138000", "1380013800", "phone", "010-12345678"):
        with pytest.raises(DomainError) as err:
            rules.normalise_phone(bad)
        assert err.value.code == "CONTACT_PHONE_INVALID"
    assert rules.normalise_email(" Li.Si+notice@Mail.Example.CN ") == "Li.Si+notice@mail.example.cn"
    assert rules.normalise_email("") is None
    for bad in ("lisi", "lisi@", "@example.cn", "li si@example.cn", "lisi@example", "a" * 65 + "@example.cn"):
        with pytest.raises(DomainError) as err:
            rules.normalise_email(bad)
        assert err.value.code == "CONTACT_EMAIL_INVALID"


def test_email_masking_keeps_the_first_character_and_the_domain():
    assert mask_email("zhangsan@example.cn") == "z***@example.cn"
    assert mask_email("") == "" and mask_email(None) == ""


def test_channels_from_a_setting():
    assert rules.parse_channels("inapp, file,inapp,") == ["inapp", "file"]
    with pytest.raises(DomainError):
        rules.parse_channels("inapp,upstream")  # upstream is for platforms, through tell_upstream


def test_message_id_is_stable_and_reveals_nothing():
    a = rules.message_id("objection_received:OBJ-1:email", "notice@credit.example.gov.cn")
    assert a == rules.message_id("objection_received:OBJ-1:email", "x@credit.example.gov.cn")
    assert a != rules.message_id("objection_received:OBJ-2:email", "notice@credit.example.gov.cn")
    assert a.startswith("<") and a.endswith(".notice@credit.example.gov.cn>") and "OBJ" not in a
