"""DingTalk's open platform (oapi): one client for the app's access token, shared by login and
notifications. The token is cached in Redis just under its 7,200 s life so every worker shares one,
and a call refused for a stale token is retried once with a fresh one."""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from redis.asyncio import Redis

log = structlog.get_logger("app.identity.dingtalk")

# DingTalk's answers for an access token that is invalid or expired: fetch a new one and retry.
STALE_TOKEN_ERRCODES = frozenset({40014, 42001})
# Refresh the cached app token this long before DingTalk's expiry (expires_in is 7,200 s).
_TOKEN_SAFETY_MARGIN_S = 300


class DingTalkUnreachable(Exception):
    """DingTalk did not answer, answered garbage, or refused the app's credentials."""


class DingTalkClient:
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

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            log.warning("dingtalk_unreachable", path=path, error_type=type(error).__name__)
            raise DingTalkUnreachable(type(error).__name__) from error
        if not isinstance(body, dict):
            raise DingTalkUnreachable("not a JSON object")
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
            raise DingTalkUnreachable(f"token refused: errcode {body.get('errcode')}")
        expires_in = int(str(body.get("expires_in", 7200)))
        await self._redis.set(
            self._token_key, token, ex=max(60, expires_in - _TOKEN_SAFETY_MARGIN_S)
        )
        return token

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST to a `topapi` method with the app token; DingTalk's own answer, errcode and all."""
        body = await self._call(
            "POST", path, params={"access_token": await self._app_token()}, json=payload
        )
        if body.get("errcode") in STALE_TOKEN_ERRCODES:
            token = await self._app_token(refresh=True)
            body = await self._call("POST", path, params={"access_token": token}, json=payload)
        return body
