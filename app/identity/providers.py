"""Identity providers: who an auth code belongs to, according to DingTalk or the dev login."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import structlog

from app.domain.errors import AuthenticationFailed, IdentityServiceUnavailable
from app.domain.phones import e164_phone
from app.identity.dingtalk import DingTalkClient, DingTalkUnreachable

log = structlog.get_logger("app.identity")

DEV_PREFIX = "dev:"


@dataclass(frozen=True)
class ExternalIdentity:
    provider: Literal["dingtalk", "dev"]
    subject: str
    name: str


class IdentityProvider(Protocol):
    async def identify(self, auth_code: str) -> ExternalIdentity: ...

    async def mobile_of(self, subject: str) -> str | None:
        """The mobile number the provider vouches for (E.164), if it tells."""
        ...


class DevProvider:
    """Codes of the form `dev:<login>`, for development, tests, demos and rehearsals."""

    async def identify(self, auth_code: str) -> ExternalIdentity:
        login = auth_code.removeprefix(DEV_PREFIX).strip()
        if not auth_code.startswith(DEV_PREFIX) or not login:
            raise AuthenticationFailed("not a development login code")
        return ExternalIdentity("dev", login, login)

    async def mobile_of(self, subject: str) -> str | None:
        return None  # development logins are matched by login alone


class DingTalkProvider:
    """DingTalk mini-app login: the client's `dd.getAuthCode` code (valid 5 minutes, one use)
    is exchanged with `topapi/v2/user/getuserinfo` using the app's access token."""

    def __init__(self, client: DingTalkClient) -> None:
        self._client = client

    async def identify(self, auth_code: str) -> ExternalIdentity:
        try:
            body = await self._client.post("/topapi/v2/user/getuserinfo", {"code": auth_code})
        except DingTalkUnreachable as error:
            raise IdentityServiceUnavailable() from error
        result = body.get("result")
        if body.get("errcode") != 0 or not isinstance(result, dict) or not result.get("userid"):
            log.info("dingtalk_code_refused", errcode=body.get("errcode"))
            raise AuthenticationFailed("the DingTalk auth code is invalid or expired")
        return ExternalIdentity("dingtalk", str(result["userid"]), str(result.get("name") or ""))

    async def mobile_of(self, subject: str) -> str | None:
        """The user's mobile number from `topapi/v2/user/get`, in E.164. DingTalk gives it only to
        an internal app granted the contact's personal-information permission (通讯录个人信息读
        权限); without it, or when DingTalk cannot be reached, there is none, and the sign-in
        goes on without linking."""
        try:
            body = await self._client.post(
                "/topapi/v2/user/get", {"userid": subject, "language": "zh_CN"}
            )
        except DingTalkUnreachable:
            return None
        result = body.get("result")
        if body.get("errcode") != 0 or not isinstance(result, dict):
            log.info("dingtalk_user_detail_refused", errcode=body.get("errcode"))
            return None
        mobile = str(result.get("mobile") or "")
        if not mobile:
            log.info("dingtalk_mobile_not_given", hint="grant the app 通讯录个人信息读权限")
            return None
        return e164_phone(f"+{result.get('state_code') or '86'}{mobile}")
