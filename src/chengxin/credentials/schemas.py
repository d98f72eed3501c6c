"""Pydantic shapes of the credential API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.credentials.rules import CLAIMS

_CLAIM_HELP = "凭证证明的事实：" + "、".join(f"{k}（{v}）" for k, v in CLAIMS.items())

CREDENTIAL_EXAMPLE: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:chengxin:credential:01JD8Z6Q4W3X2Y1Z0A9B8C7D6E",
    "type": ["VerifiableCredential", "CitizenCreditClaim"],
    "issuer": {"id": "https://xinyong.example.gov.cn", "name": "信用示范市"},
    "validFrom": "2026-11-18T02:00:00Z", "validUntil": "2026-11-18T03:00:00Z",
    "credentialSubject": {"claim": "not_blacklisted", "statement": "截至2026年11月18日不在任何严重失信主体名单上",
                          "asOf": "2026-11-18", "name": "张*", "idNumber": "1101**********002X"},
    "credentialStatus": {"id": "https://xinyong.example.gov.cn/api/v1/credentials/01JD8Z6Q4W3X2Y1Z0A9B8C7D6E/status",
                         "type": "ChengxinCredentialStatus"},
    "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022", "created": "2026-11-18T02:00:00Z",
              "verificationMethod": "https://xinyong.example.gov.cn/api/v1/signing-keys#ed25519:0123456789abcdef",
              "proofPurpose": "assertionMethod", "@context": ["https://www.w3.org/ns/credentials/v2"],
              "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKiSWvU3Ch"},
}


class IssueIn(BaseModel):
    """The one fact the person wants a credential for."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"claim": "not_blacklisted"}, {"claim": "red_list", "matter_id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E"}]})
    claim: str = Field(..., max_length=24, description=_CLAIM_HELP)
    matter_id: str | None = Field(None, max_length=26,
                                  description="red_list：哪一项守信激励名单条目（事项编号）；缺省为第一项在列的")


class CredentialOut(BaseModel):
    """A credential as its person sees it: what it states, its state now, and the signed document."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E", "claim": "not_blacklisted", "claim_label": "不在严重失信主体名单上",
        "statement": "截至2026年11月18日不在任何严重失信主体名单上", "matter_id": None,
        "issued_at": "2026-11-18T02:00:00Z", "valid_until": "2026-11-18T03:00:00Z", "revoked_at": None,
        "status": "active", "status_label": "有效", "credential": CREDENTIAL_EXAMPLE}]})
    id: str
    claim: str
    claim_label: str
    statement: str
    matter_id: str | None = Field(None, description="red_list 凭证对应的名单事项编号")
    issued_at: datetime
    valid_until: datetime
    revoked_at: datetime | None
    status: str = Field(description="active 有效 / expired 已过期 / revoked 已撤销")
    status_label: str
    credential: dict[str, Any] = Field(description="平台签名的可验证凭证（W3C VC 2.0，eddsa-jcs-2022），即二维码的内容")


class CredentialList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "total": 0}]})
    items: list[CredentialOut]
    total: int


class VerifyOut(BaseModel):
    """The outcome of a verification, in the status words and, when the signature holds, what the
    credential states (the holder's masked name and ID number, to compare with their ID card)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "valid", "status_label": "有效", "valid": True, "code": "CREDENTIAL_VALID",
        "message": "平台签名有效，内容未被改动，在有效期内", "credential_id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E",
        "claim": "not_blacklisted", "statement": "截至2026年11月18日不在任何严重失信主体名单上", "as_of": "2026-11-18",
        "name": "张*", "id_number": "1101**********002X", "valid_until": "2026-11-18T03:00:00Z",
        "key_id": "ed25519:0123456789abcdef"}]})
    status: str = Field(description="valid 有效 / expired 不在有效期内 / altered 被改动或非平台签发 / "
                                    "superseded 所证明的事实已不再成立 / revoked 已撤销")
    status_label: str
    valid: bool
    code: str
    message: str
    credential_id: str | None = None
    claim: str | None = None
    statement: str | None = None
    as_of: str | None = None
    name: str | None = None
    id_number: str | None = None
    valid_until: datetime | None = None
    key_id: str | None = None


class StatusOut(BaseModel):
    """A credential's status now, by its id: nothing about its holder."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E", "status": "superseded", "status_label": "所证明的事实今天已不再成立",
        "code": "CREDENTIAL_SUPERSEDED", "message": "凭证所证明的事实今天已不再成立",
        "checked_at": "2026-11-18T02:30:00Z"}]})
    id: str
    status: str = Field(description="valid / expired / superseded / revoked")
    status_label: str
    code: str
    message: str
    checked_at: datetime
