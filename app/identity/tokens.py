"""Kehou's own tokens: a short-lived JWT for API calls and an opaque, rotating refresh token."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from app.domain.errors import AuthenticationFailed

ALGORITHM = "HS256"  # pinned: tokens naming any other algorithm are refused


VERIFIED_CACHE_SIZE = 20_000
MAX_USER_ID = 2**31 - 1  # users.id is a Postgres integer


REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss", "aud")


def verified_claims(
    token: str, secret: str, issuer: str, audience: str, *extra_required: str
) -> dict[str, Any]:
    """The claims of a token this service signed for `audience`, checked: the algorithm pinned,
    the signature, the expiry, and every claim required present. Raises jwt.InvalidTokenError."""
    claims: dict[str, Any] = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        audience=audience,
        issuer=issuer,
        options={"require": [*REQUIRED_CLAIMS, *extra_required]},
    )
    return claims


@dataclass(frozen=True)
class TokenSigner:
    secret: str
    issuer: str
    audience: str
    ttl: timedelta
    # Tokens this process verified, with their expiry: a family's mini-app sends the same token
    # with every grab, and its signature need not be checked again until it expires.
    _verified: dict[str, tuple[int, float]] = field(default_factory=dict, compare=False)

    def issue(self, user_id: int, now: datetime | None = None) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued,
            "exp": issued + self.ttl,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def user_id(self, token: str) -> int:
        known = self._verified.get(token)
        if known is not None and known[1] > time.time():
            return known[0]
        try:
            claims = verified_claims(token, self.secret, self.issuer, self.audience)
            user_id = int(claims["sub"])
        except (jwt.InvalidTokenError, ValueError) as error:
            raise AuthenticationFailed("the access token is invalid or expired") from error
        if not 1 <= user_id <= MAX_USER_ID:
            # Signed by us yet naming no possible user: a leaked key or a bug, never a person.
            raise AuthenticationFailed("the access token is invalid or expired")
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (user_id, float(claims["exp"]))
        return user_id


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
