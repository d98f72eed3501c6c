"""Pydantic shapes for accounts, tokens and sign-in."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_TOKEN = "cxt_01JD7Q8ZK3M4N5P6Q7R8S9T0VW_bm90LWEtcmVhbC10b2tlbi1leGFtcGxlLTEyMzQ1Njc4"
_SESSION = "cxs_01JD7Q8ZK3M4N5P6Q7R8S9T0VX_bm90LWEtcmVhbC1zZXNzaW9uLWV4YW1wbGUtMTIzNA"


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "xyb_zhang", "password": "示例-Passw0rd!"}]})
    username: str = Field(..., min_length=1, max_length=64)
    password: str = Field(..., min_length=1, max_length=200)


class SessionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"token": _SESSION, "expires_at": "2026-11-21T12:00:00Z", "account_id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VA",
         "roles": ["operator"]}]})
    token: str = Field(..., description="登录令牌：放在 Authorization: Bearer 中；仅此一次返回")
    expires_at: datetime
    account_id: str
    roles: list[str]


class ChallengeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"id_type": "citizen_id", "id_number": "11010519491231002X", "name": "张三"}]})
    id_type: str = "citizen_id"
    id_number: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=100)


class ChallengeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"challenge_id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VB", "expires_at": "2026-11-21T04:05:00Z",
         "channel": "demo_console", "hint": "演示环境：验证码已打印在服务器控制台"}]})
    challenge_id: str
    expires_at: datetime
    channel: str
    hint: str


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"challenge_id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VB", "code": "123456"}]})
    challenge_id: str = Field(..., min_length=26, max_length=26)
    code: str = Field(..., min_length=4, max_length=12)


class MeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"account_id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VA", "kind": "department", "display_name": "市场监管局核查系统",
         "roles": ["checker"], "role_labels": ["部门核查系统"], "department_code": "market_regulation",
         "org_uscc": None, "person_key": None}]})
    account_id: str | None
    kind: str | None
    display_name: str | None
    roles: list[str]
    role_labels: list[str]
    department_code: str | None
    org_uscc: str | None
    person_key: str | None


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "department", "display_name": "市场监管局核查系统", "roles": ["checker"],
         "department_code": "market_regulation", "username": None, "password": None, "org_uscc": None}]})
    kind: Literal["staff", "department", "third_party"]
    display_name: str = Field(..., min_length=1, max_length=100)
    roles: list[str] = Field(..., min_length=1, max_length=7)
    username: str | None = Field(None, max_length=64)
    password: str | None = Field(None, max_length=200)
    department_code: str | None = Field(None, max_length=64)
    org_uscc: str | None = Field(None, max_length=18)


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VA", "kind": "department", "username": None,
         "display_name": "市场监管局核查系统", "roles": ["checker"], "department_code": "market_regulation",
         "org_uscc": None, "created_at": "2026-11-21T04:00:00Z", "disabled_at": None, "locked_until": None}]})
    id: str
    kind: str
    username: str | None
    display_name: str
    roles: list[str]
    department_code: str | None
    org_uscc: str | None
    created_at: datetime
    disabled_at: datetime | None
    locked_until: datetime | None


class AccountsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"accounts": []}]})
    accounts: list[AccountOut]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "招录系统生产环境", "scopes": ["checker"], "days": 90}]})
    name: str = Field(..., min_length=1, max_length=100)
    scopes: list[str] | None = Field(None, description="权限范围（账号角色的子集）；缺省为账号全部角色")
    days: int | None = Field(None, ge=1, description="有效期（天）")


class TokenIssued(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VW", "token": _TOKEN, "expires_at": "2027-02-19T04:00:00Z",
         "notice": "令牌仅显示这一次，请立即妥善保存"}]})
    id: str
    token: str
    expires_at: datetime
    notice: str = "令牌仅显示这一次，请立即妥善保存"


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "01JD7Q8ZK3M4N5P6Q7R8S9T0VW", "name": "招录系统生产环境", "scopes": ["checker"],
         "created_at": "2026-11-21T04:00:00Z", "expires_at": "2027-02-19T04:00:00Z", "revoked_at": None,
         "last_used_at": None}]})
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class TokensOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tokens": []}]})
    tokens: list[TokenOut]


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "county_market_regulation", "name": "某县市场监督管理局"}]})
    code: str = Field(..., pattern=r"^[a-z][a-z0-9_]{1,63}$")
    name: str = Field(..., min_length=1, max_length=200)


class DepartmentOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"code": "county_market_regulation", "name": "某县市场监督管理局", "created": True}]})
    code: str
    name: str
    created: bool
