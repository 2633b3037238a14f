"""Kehou's own tokens: a short-lived JWT for API calls and an opaque, rotating refresh token."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from app.domain.errors import AuthenticationFailed

ALGORITHM = "HS256"  # pinned: tokens naming any other algorithm are refused


@dataclass(frozen=True)
class TokenSigner:
    secret: str
    issuer: str
    audience: str
    ttl: timedelta

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
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
            return int(claims["sub"])
        except (jwt.InvalidTokenError, ValueError) as error:
            raise AuthenticationFailed("the access token is invalid or expired") from error


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
