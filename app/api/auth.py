"""Sign-in: DingTalk mini-app login (免登) and token refresh."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.api import API_PREFIX
from app.api.deps import ResourcesDep, SessionDep
from app.api.problems import domain_problem, problem_responses
from app.api.schemas.auth import DingTalkLogin, RefreshRequest, TokenResponse
from app.domain.errors import AuthenticationFailed, RefreshTokenReused
from app.identity.accounts import link_imported_guardian, rotate_refresh_token, sign_in
from app.identity.providers import DEV_PREFIX, DevProvider, DingTalkProvider, IdentityProvider
from app.resources import Resources

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])


def _provider_for(code: str, resources: Resources) -> IdentityProvider:
    settings = resources.settings
    if code.startswith(DEV_PREFIX):
        if not settings.dev_login_enabled:
            raise AuthenticationFailed("development logins are disabled here")
        return DevProvider()
    return DingTalkProvider(resources.dingtalk)


@router.post(
    "/dingtalk",
    operation_id="signIn",
    summary="Sign in with DingTalk · 钉钉免登",
    description=(
        "Exchange the mini-app's `authCode` for a Kehou access token (a JWT, 15 minutes) and a "
        "refresh token. A DingTalk user seen for the first time is given the account a school's "
        "roster import made for their mobile number, with its children (when DingTalk gives the "
        "app the number: the contact's personal-information permission), else a new account; a "
        "family can also bind with a code the school hands out.\n\n"
        "用钉钉小程序 `dd.getAuthCode` 取得的授权码换取本系统的访问令牌和刷新令牌。首次登录时,"
        "按钉钉提供的手机号关联学校导入名单中的监护人账号(需应用具备通讯录个人信息读权限),"
        "否则新建账号;也可使用学校发放的绑定码绑定孩子。"
    ),
    response_model=TokenResponse,
    responses=problem_responses(401, 422, 503, "identity-unavailable"),
)
async def sign_in_with_dingtalk(
    body: DingTalkLogin, resources: ResourcesDep, session: SessionDep
) -> TokenResponse:
    provider = _provider_for(body.auth_code, resources)
    identity = await provider.identify(body.auth_code)
    await link_imported_guardian(session, identity, provider.mobile_of)
    pair = await sign_in(session, identity, resources.signer, _refresh_ttl(resources))
    return TokenResponse(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


@router.post(
    "/refresh",
    operation_id="refreshTokens",
    summary="Refresh the access token · 刷新令牌",
    description=(
        "Trade a refresh token for a new access token and a new refresh token; the old refresh "
        "token stops working. A refresh token used a second time (copied) is refused, and every "
        "refresh token descended from the same sign-in stops working too: sign in again.\n\n"
        "以刷新令牌换取新的令牌,旧刷新令牌随即失效。已用过的刷新令牌再次出现时,同一次登录产生的"
        "全部刷新令牌一并失效,需重新登录。"
    ),
    response_model=TokenResponse,
    responses=problem_responses(401, 422),
)
async def refresh(
    body: RefreshRequest, request: Request, resources: ResourcesDep, session: SessionDep
) -> TokenResponse | JSONResponse:
    try:
        pair = await rotate_refresh_token(
            session, body.refresh_token, resources.signer, _refresh_ttl(resources)
        )
    except RefreshTokenReused as reused:
        # Answered rather than raised, so that the request's transaction commits the family's
        # revocation instead of rolling it back with the refusal.
        return domain_problem(reused, request)
    return TokenResponse(
        access_token=pair.access_token, expires_in=pair.expires_in, refresh_token=pair.refresh_token
    )


def _refresh_ttl(resources: Resources) -> timedelta:
    return timedelta(seconds=resources.settings.refresh_token_ttl_s)
