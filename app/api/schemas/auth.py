"""Signing in with DingTalk and refreshing tokens: what the routes take and answer."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody


class DingTalkLogin(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"auth_code": "a1b2c3d4e5f6"}]},
    )

    auth_code: str = Field(
        min_length=1,
        max_length=200,
        description="The code from `dd.getAuthCode` (valid 5 minutes, one use). "
        "钉钉小程序免登授权码。Development logins use `dev:<login>` where enabled.",
        examples=["a1b2c3d4e5f6", "dev:parent-0001"],
    )


class RefreshRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "4fRk1m0yQ2xGx9hW8Qp3sD7tLm5nB1vC2zX6aS8dF0g"}]
        },
    )

    refresh_token: str = Field(min_length=16, max_length=200)


class TokenResponse(ResponseBody):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (the OAuth token type, not a secret)
    expires_in: int = Field(examples=[900], description="Seconds the access token is valid")
    refresh_token: str
