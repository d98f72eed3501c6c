"""The citizen credit credential: which yes/no claims a person may be given, the credential that
states one, and its offline verification. Pure: no database, no clock (every "now" is passed in).

Format: a W3C Verifiable Credential (VC Data Model 2.0) secured with a Data Integrity proof of
the `eddsa-jcs-2022` cryptosuite (see `chengxin.credentials.proof`). Why this one: it is an open
W3C Recommendation that wallets and verifier libraries implement; JCS needs no JSON-LD processing
(the VC 2.0 base context's `@vocab` covers our own terms), so a verifier needs only SHA-256, Ed25519
and the platform's published keys, the same key that signs authorisation receipts and log tree
heads. One fact per credential, so the person shows only the fact asked for (selective disclosure
by issuing separately, which SD-JWT would do inside one token at the cost of a second format).

The subject is identified only by the masked name and masked ID number (R8), enough for a
verifier to match the person in front of them against their ID card, never the plain number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from chengxin.credentials import proof
from chengxin.creditfile.schemas import MatterOut
from chengxin.errors import DomainError
from chengxin.reports.standing import Standing
from chengxin.signing import PublicKeys, Signer

CONTEXT = "https://www.w3.org/ns/credentials/v2"
CREDENTIAL_TYPE = "CitizenCreditClaim"
STATUS_TYPE = "ChengxinCredentialStatus"
ID_PREFIX = "urn:chengxin:credential:"
KEYS_PATH = "/api/v1/signing-keys"

CLAIMS = {
    "not_blacklisted": "不在严重失信主体名单上",
    "red_list": "列入守信激励对象名单",
    "no_serious_dishonesty": "无在公示期内的严重失信记录",
}
RED_LIST_LABEL = "守信激励对象名单"

# What a verifier is told, in plain words.
STATUSES = {
    "valid": "有效",
    "expired": "不在有效期内",
    "altered": "内容被改动或不是平台签发的",
    "superseded": "所证明的事实今天已不再成立",
    "revoked": "已由本人撤销",
}
MESSAGES = {
    "CREDENTIAL_VALID": "平台签名有效，内容未被改动，在有效期内",
    "CREDENTIAL_NOT_JSON": "无法读取：粘贴的内容不是平台出具的信用凭证",
    "CREDENTIAL_NO_PROOF": "没有平台签名",
    "CREDENTIAL_PROOF_UNSUPPORTED": "签名方式不是平台使用的方式",
    "CREDENTIAL_KEY_UNKNOWN": "签名所用的密钥不是平台公布的密钥",
    "CREDENTIAL_SIGNATURE_INVALID": "签名与内容不符：凭证内容被改动过",
    "CREDENTIAL_MALFORMED": "签名有效，但内容不是平台出具的信用凭证",
    "CREDENTIAL_EXPIRED": "凭证已过有效期，请本人重新出具",
    "CREDENTIAL_NOT_YET_VALID": "凭证尚未生效",
    "CREDENTIAL_REVOKED": "本人已撤销这份凭证",
    "CREDENTIAL_SUPERSEDED": "凭证所证明的事实今天已不再成立",
    "CREDENTIAL_UNKNOWN": "平台没有出具过这份凭证",
}


class Refused(DomainError):
    """A claim that is not true of the person today: a stable code and the reason, in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, 422)


@dataclass(frozen=True, slots=True)
class Offer:
    """A claim the person may ask for today, or why not (`refused` holds the reason)."""

    claim: str
    detail: str | None  # the red-list matter's id; None for the other claims
    statement: str
    refused: Refused | None = None


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def honour_name(m: MatterOut) -> str:
    """A red listing's name: the catalog item it comes from, without the catalog's "信息" suffix
    (优秀志愿者信息 -> 优秀志愿者); a direct listing without an item, the list itself."""
    name = m.item_name.removesuffix("信息") if m.item_name != RED_LIST_LABEL else ""
    return f"{RED_LIST_LABEL}：{name}" if name else RED_LIST_LABEL


def statement(claim: str, day: date, honour: str | None = None) -> str:
    """The claim in words, true as of the end of `day`."""
    as_of = f"截至{day_text(day)}"
    if claim == "not_blacklisted":
        return f"{as_of}不在任何严重失信主体名单上"
    if claim == "red_list":
        return f"{as_of}列入{honour or RED_LIST_LABEL}"
    return f"{as_of}无在公示期内的严重失信记录"


def offers(standing: Standing, day: date) -> list[Offer]:
    """Every claim the person could ask for today, each allowed or refused with its reason; one
    red-list claim per red listing in force."""
    out = [Offer("not_blacklisted", None, statement("not_blacklisted", day),
                 Refused("CREDENTIAL_LISTED", "您目前在严重失信主体名单（黑名单）上，不能出具“不在黑名单上”的凭证")
                 if standing.blacklisted else None),
           Offer("no_serious_dishonesty", None, statement("no_serious_dishonesty", day),
                 None if standing.clean else Refused(
                     "CREDENTIAL_SERIOUS_RECORD", "您有仍在公示期内的严重失信记录，不能出具“无严重失信记录”的凭证"))]
    out += [Offer("red_list", m.id, statement("red_list", day, honour_name(m))) for m in standing.red]
    if not standing.red:
        out.append(Offer("red_list", None, statement("red_list", day),
                         Refused("CREDENTIAL_NOT_ON_RED_LIST", "您目前不在守信激励对象名单（红名单）上")))
    return out


def choose(standing: Standing, day: date, claim: str, detail: str | None) -> Offer:
    """The offer for a claim the person asks for; `Refused` when it is not true today."""
    if claim not in CLAIMS:
        raise Refused("CREDENTIAL_CLAIM_UNKNOWN", "没有这种凭证：可选 " + "、".join(
            f"{k}（{v}）" for k, v in CLAIMS.items()))
    for offer in offers(standing, day):
        if offer.claim == claim and (offer.refused is not None or detail in (None, offer.detail)):
            if offer.refused is not None:
                raise offer.refused
            return offer
    raise Refused("CREDENTIAL_NOT_ON_RED_LIST", "这项守信激励名单条目目前不在列")


def still_true(claim: str, detail: str | None, standing: Standing) -> bool:
    """Whether the claim a credential states holds on the standing's day (its online status)."""
    if claim == "not_blacklisted":
        return not standing.blacklisted
    if claim == "no_serious_dishonesty":
        return standing.clean
    return any(m.id == detail for m in standing.red)


# --- the document ---------------------------------------------------------------------------

def stamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC to the second, as VC 2.0 writes validFrom and validUntil."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(*, credential_id: str, base_url: str, issuer_name: str, claim: str, text: str, as_of: date,
             name: str, id_number: str, valid_from: datetime, valid_until: datetime) -> dict[str, Any]:
    """The unsigned credential (VC Data Model 2.0). `name` and `id_number` must be masked already."""
    base = base_url.rstrip("/")
    return {
        "@context": [CONTEXT],
        "id": ID_PREFIX + credential_id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": {"id": base, "name": issuer_name},
        "validFrom": stamp(valid_from),
        "validUntil": stamp(valid_until),
        "credentialSubject": {"claim": claim, "statement": text, "asOf": as_of.isoformat(),
                              "name": name, "idNumber": id_number},
        "credentialStatus": {"id": f"{base}/api/v1/credentials/{credential_id}/status", "type": STATUS_TYPE},
    }


def sign(unsigned: dict[str, Any], signer: Signer, base_url: str, created: datetime) -> dict[str, Any]:
    method = f"{base_url.rstrip('/')}{KEYS_PATH}#{signer.key_id}"
    return proof.secure(unsigned, signer, verification_method=method, created=stamp(created))


# --- verification ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Verdict:
    """What a verifier learns: the status, why, and (when the signature holds) what it states."""

    status: str
    code: str
    credential_id: str | None = None
    key_id: str | None = None
    claim: str | None = None
    statement: str | None = None
    as_of: str | None = None
    name: str | None = None
    id_number: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]

    @property
    def message(self) -> str:
        return MESSAGES[self.code]

    def but(self, status: str, code: str) -> Verdict:
        """The same credential with the status the platform's register gives it."""
        return Verdict(status, code, self.credential_id, self.key_id, self.claim, self.statement, self.as_of,
                       self.name, self.id_number, self.valid_from, self.valid_until)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def verify(doc: Any, public_keys: PublicKeys, now: datetime) -> Verdict:
    """Check a credential offline: a proof by a published platform key over exactly this content
    (else `altered`), a credential of ours, and `now` within its validity (else `expired`)."""
    problem, key_id = proof.check(doc, public_keys)
    if problem is not None:
        return Verdict("altered", problem, key_id=key_id)
    assert isinstance(doc, Mapping)
    subject = doc.get("credentialSubject")
    types = doc.get("type")
    cid = doc.get("id")
    valid_from, valid_until = _time(doc.get("validFrom")), _time(doc.get("validUntil"))
    if (not isinstance(subject, Mapping) or subject.get("claim") not in CLAIMS or not isinstance(types, list)
            or CREDENTIAL_TYPE not in types or not isinstance(cid, str) or not cid.startswith(ID_PREFIX)
            or valid_from is None or valid_until is None
            or not all(isinstance(subject.get(k), str) for k in ("statement", "asOf", "name", "idNumber"))):
        return Verdict("altered", "CREDENTIAL_MALFORMED", key_id=key_id)
    verdict = Verdict("valid", "CREDENTIAL_VALID", cid.removeprefix(ID_PREFIX)[:64], key_id, subject["claim"],
                      subject["statement"], subject["asOf"], subject["name"], subject["idNumber"],
                      valid_from, valid_until)
    if now < valid_from:
        return verdict.but("expired", "CREDENTIAL_NOT_YET_VALID")
    if now >= valid_until:
        return verdict.but("expired", "CREDENTIAL_EXPIRED")
    return verdict
