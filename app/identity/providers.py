"""Identity providers: who an auth code belongs to, according to DingTalk or the dev login."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import httpx
import structlog
from redis.asyncio import Redis

from app.domain.errors import AuthenticationFailed, IdentityServiceUnavailable

log = structlog.get_logger("app.identity")

DEV_PREFIX = "dev:"
# DingTalk's answers for an access token that is invalid or expired: fetch a new one and retry.
_STALE_TOKEN_ERRCODES = frozenset({40014, 42001})
# Refresh the cached app token this long before DingTalk's expiry (expires_in is 7,200 s).
_TOKEN_SAFETY_MARGIN_S = 300


@dataclass(frozen=True)
class ExternalIdentity:
    provider: Literal["dingtalk", "dev"]
    subject: str
    name: str


class IdentityProvider(Protocol):
    async def identify(self, auth_code: str) -> ExternalIdentity: ...


class DevProvider:
    """Codes of the form `dev:<login>`, for development, tests, demos and rehearsals."""

    async def identify(self, auth_code: str) -> ExternalIdentity:
        login = auth_code.removeprefix(DEV_PREFIX).strip()
        if not auth_code.startswith(DEV_PREFIX) or not login:
            raise AuthenticationFailed("not a development login code")
        return ExternalIdentity("dev", login, login)


class DingTalkProvider:
    """DingTalk mini-app login: the client's `dd.getAuthCode` code (valid 5 minutes, one use)
    is exchanged with `topapi/v2/user/getuserinfo` using the app's access token, which is
    cached in Redis just under its 7,200 s life so that every worker shares one."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        redis: Redis,
        app_key: str,
        app_secret: str,
        key_prefix: str,
    ) -> None:
        self._http = http
        self._redis = redis
        self._app_key = app_key
        self._app_secret = app_secret
        self._token_key = f"{key_prefix}dingtalk:app-token:{app_key}"

    async def _call(self, method: str, path: str, **kwargs: object) -> dict[str, object]:
        try:
            response = await self._http.request(method, path, **kwargs)  # type: ignore[arg-type]
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("dingtalk_unreachable", path=path, error_type=type(error).__name__)
            raise IdentityServiceUnavailable() from error
        if not isinstance(body, dict):
            raise IdentityServiceUnavailable()
        return body

    async def _app_token(self, refresh: bool = False) -> str:
        if not refresh:
            cached = await self._redis.get(self._token_key)
            if cached:
                return str(cached)
        body = await self._call(
            "GET", "/gettoken", params={"appkey": self._app_key, "appsecret": self._app_secret}
        )
        token = body.get("access_token")
        if body.get("errcode") != 0 or not isinstance(token, str):
            log.error("dingtalk_token_refused", errcode=body.get("errcode"))
            raise IdentityServiceUnavailable()
        expires_in = int(str(body.get("expires_in", 7200)))
        await self._redis.set(
            self._token_key, token, ex=max(60, expires_in - _TOKEN_SAFETY_MARGIN_S)
        )
        return token

    async def identify(self, auth_code: str) -> ExternalIdentity:
        body = await self._user_info(auth_code, await self._app_token())
        if body.get("errcode") in _STALE_TOKEN_ERRCODES:
            body = await self._user_info(auth_code, await self._app_token(refresh=True))
        result = body.get("result")
        if body.get("errcode") != 0 or not isinstance(result, dict) or not result.get("userid"):
            log.info("dingtalk_code_refused", errcode=body.get("errcode"))
            raise AuthenticationFailed("the DingTalk auth code is invalid or expired")
        return ExternalIdentity("dingtalk", str(result["userid"]), str(result.get("name") or ""))

    async def _user_info(self, auth_code: str, token: str) -> dict[str, object]:
        return await self._call(
            "POST",
            "/topapi/v2/user/getuserinfo",
            params={"access_token": token},
            json={"code": auth_code},
        )
