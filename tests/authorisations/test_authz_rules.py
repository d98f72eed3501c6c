"""Pure rules: purposes, scope, validity, refusals and signed receipts (no database)."""

from __future__ import annotations

import base64
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from chengxin.authorisations import rules
from chengxin.catalog.rules import default_catalog
from chengxin.errors import DomainError
from chengxin.signing import PublicKeys, Signer, canonical_json

CATALOG = default_catalog()
NOW = datetime(2026, 11, 21, 2, 0, 0, tzinfo=UTC)
BANK = "91350100M000100Y43"
SIGNER = Signer.from_seed(bytes(range(32)))


@dataclass
class Grant:
    id: str = "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E"
    grantor_key: str = "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e"
    grantee_uscc: str = BANK
    purpose_code: str = "loan"
    purpose: str = "个人住房贷款审批"
    scope: list[str] = field(default_factory=lambda: ["SFCP", "XZCF"])
    valid_from: datetime = NOW
    valid_until: datetime = NOW + timedelta(days=30)
    use_mode: str = "single"
    issued_at: datetime = NOW
    revoked_at: datetime | None = None
    use_count: int = 0


def refusal(grant: Grant, *, now: datetime = NOW + timedelta(hours=1), grantee: str = BANK,
            purpose_code: str = "loan", purpose: str | None = None, scope: list[str] | None = None) -> str | None:
    return rules.refusal(grant, now=now, grantee=grantee, purpose_code=purpose_code, purpose=purpose,
                         scope=scope or grant.scope, catalog=CATALOG)


def signed(grant: Grant) -> dict:
    return rules.receipt_document(grant, rules.sign_receipt(grant, SIGNER))


# --- refusals -----------------------------------------------------------------------------------

def test_a_valid_query_is_not_refused():
    assert refusal(Grant()) is None
    assert refusal(Grant(), scope=["XZCF"]) is None
    assert refusal(Grant(use_mode="repeated", use_count=5)) is None


@pytest.mark.parametrize(("grant", "kw", "code"), [
    (Grant(), {"grantee": "91110000600037341L"}, "AUTHZ_GRANTEE"),
    (Grant(revoked_at=NOW), {}, "AUTHZ_REVOKED"),
    (Grant(valid_from=NOW + timedelta(days=2)), {}, "AUTHZ_NOT_YET_VALID"),
    (Grant(), {"now": NOW + timedelta(days=30)}, "AUTHZ_EXPIRED"),  # the end is exclusive
    (Grant(), {"purpose_code": "recruitment"}, "AUTHZ_PURPOSE"),
    (Grant(purpose_code="other", purpose="房屋买卖资信核实"),
     {"purpose_code": "other", "purpose": "婚恋交友"}, "AUTHZ_PURPOSE"),
    (Grant(), {"scope": ["YZSX"]}, "AUTHZ_SCOPE"),
    (Grant(), {"scope": ["full_report"]}, "AUTHZ_SCOPE"),
    (Grant(scope=["XZCF"]), {"scope": ["XZGL"]}, "AUTHZ_SCOPE"),  # a parent is wider than its child
    (Grant(use_count=1), {}, "AUTHZ_USED"),
])
def test_each_refusal_has_its_own_code(grant, kw, code):
    assert refusal(grant, **kw) == code
    assert code in rules.REFUSALS


def test_the_grantee_is_checked_before_anything_about_the_grant_is_told():
    assert refusal(Grant(revoked_at=NOW, use_count=1), grantee="91110000600037341L") == "AUTHZ_GRANTEE"


def test_other_purpose_matches_on_its_words_up_to_whitespace():
    grant = Grant(purpose_code="other", purpose="房屋买卖 资信核实")
    assert refusal(grant, purpose_code="other", purpose=" 房屋买卖  资信核实 ") is None
    assert refusal(grant, purpose_code="other", purpose=None) == "AUTHZ_PURPOSE"


def test_scope_covers_children_and_the_full_report_covers_all():
    assert rules.within_scope(["XZCF", "XZXK"], ["XZGL"], CATALOG)
    assert rules.within_scope(["full_report"], ["full_report"], CATALOG)
    assert rules.within_scope(["YZSX"], ["full_report"], CATALOG)
    assert not rules.within_scope(["XZGL"], ["XZCF"], CATALOG)
    assert rules.categories_of(["full_report"], CATALOG) is None
    assert "XZCF" in rules.categories_of(["XZGL"], CATALOG)


def test_status_reads_the_grant_now():
    assert rules.status_of(Grant(), NOW) == "active"
    assert rules.status_of(Grant(), NOW - timedelta(seconds=1)) == "not_yet_valid"
    assert rules.status_of(Grant(), NOW + timedelta(days=31)) == "expired"
    assert rules.status_of(Grant(use_count=1), NOW) == "used"
    assert rules.status_of(Grant(revoked_at=NOW, use_count=1), NOW) == "revoked"


# --- granting -----------------------------------------------------------------------------------

def test_scope_and_purpose_are_normalised_or_refused():
    assert rules.normalise_scope([" XZCF", "SFCP", "XZCF"], CATALOG) == ["SFCP", "XZCF"]
    assert rules.normalise_scope(["full_report"], CATALOG) == ["full_report"]
    for bad, code in (([], "AUTHZ_SCOPE_EMPTY"), (["NOPE"], "AUTHZ_SCOPE_UNKNOWN"),
                      (["full_report", "XZCF"], "AUTHZ_SCOPE_INVALID")):
        with pytest.raises(DomainError) as err:
            rules.normalise_scope(bad, CATALOG)
        assert err.value.code == code
    assert rules.normalise_purpose("loan", "  个人  贷款 ") == ("loan", "个人 贷款")
    for code, text, error in (("spying", None, "AUTHZ_PURPOSE_UNKNOWN"), ("other", " ", "AUTHZ_PURPOSE_TEXT_REQUIRED")):
        with pytest.raises(DomainError) as err:
            rules.normalise_purpose(code, text)
        assert err.value.code == error


def test_validity_window_is_bounded():
    rules.check_validity(NOW, NOW + timedelta(days=365), now=NOW, max_days=365)
    for start, end, code in ((NOW - timedelta(hours=1), NOW + timedelta(days=1), "AUTHZ_VALIDITY_INVALID"),
                             (NOW, NOW, "AUTHZ_VALIDITY_INVALID"),
                             (NOW, NOW + timedelta(days=366), "AUTHZ_VALIDITY_TOO_LONG")):
        with pytest.raises(DomainError) as err:
            rules.check_validity(start, end, now=NOW, max_days=365)
        assert err.value.code == code


# --- receipts -----------------------------------------------------------------------------------

def test_a_receipt_verifies_offline_with_the_published_key_only():
    doc = signed(Grant())
    published = PublicKeys.from_json(SIGNER.published())
    check = rules.verify_receipt(doc, published)
    assert check.valid and check.code == "RECEIPT_VALID" and check.key_id == SIGNER.key_id
    assert doc["receipt"]["grantor"] == Grant().grantor_key  # the keyed hash, never an ID number
    assert not rules.verify_receipt(doc, PublicKeys()).valid
    assert rules.verify_receipt(doc, PublicKeys()).code == "RECEIPT_KEY_UNKNOWN"


def test_the_signed_bytes_are_the_canonical_json_of_the_receipt():
    doc = signed(Grant())
    raw = base64.b64decode(doc["signature"]["value"])
    # Any Ed25519 library can check it with the raw public key and these bytes.
    Ed25519PublicKey.from_public_bytes(SIGNER.public_key()).verify(raw, canonical_json(doc["receipt"]))


@pytest.mark.parametrize(("name", "value"), [
    ("id", "01JD8Z6Q4W3X2Y1Z0A9B8C7D6F"), ("grantor", "0" * 32), ("grantee", "91110000600037341L"),
    ("purpose_code", "recruitment"), ("purpose_label", "招聘"), ("purpose", "个人消费贷款"),
    ("scope", ["full_report"]), ("valid_from", "2026-11-20T02:00:00Z"), ("valid_until", "2027-11-21T02:00:00Z"),
    ("use", "repeated"), ("issued_at", "2026-11-21T02:00:01Z"),
])
def test_altering_any_field_breaks_the_signature(name, value):
    doc = signed(Grant())
    assert doc["receipt"][name] != value
    doc["receipt"][name] = value
    check = rules.verify_receipt(doc, SIGNER.public_keys())
    assert (check.valid, check.code) == (False, "RECEIPT_SIGNATURE_INVALID")


def test_a_wrong_or_foreign_signature_is_refused():
    doc = signed(Grant())
    raw = bytearray(base64.b64decode(doc["signature"]["value"]))
    raw[10] ^= 0x01
    flipped = copy.deepcopy(doc)
    flipped["signature"]["value"] = base64.b64encode(bytes(raw)).decode()
    assert rules.verify_receipt(flipped, SIGNER.public_keys()).code == "RECEIPT_SIGNATURE_INVALID"
    impostor = Signer.from_seed(bytes(32))
    forged = rules.receipt_document(Grant(), rules.sign_receipt(Grant(), impostor))
    forged["signature"]["key_id"] = SIGNER.key_id  # claims the platform key
    assert rules.verify_receipt(forged, SIGNER.public_keys()).code == "RECEIPT_SIGNATURE_INVALID"
    short = copy.deepcopy(doc)
    short["signature"]["value"] = "AAAA"
    assert not rules.verify_receipt(short, SIGNER.public_keys()).valid


@pytest.mark.parametrize("mangle", [
    lambda d: d.pop("signature"), lambda d: d["receipt"].pop("scope"), lambda d: d["receipt"].update(extra="x"),
    lambda d: d["receipt"].update(type="chengxin.tree_head"), lambda d: d["signature"].update(algorithm="RSA"),
])
def test_a_malformed_receipt_is_named_so(mangle):
    doc = signed(Grant())
    mangle(doc)
    assert rules.verify_receipt(doc, SIGNER.public_keys()).code == "RECEIPT_MALFORMED"
    assert rules.verify_receipt([1, 2], SIGNER.public_keys()).code == "RECEIPT_MALFORMED"
