"""Seat-stream tickets. A browser's `EventSource` (and the SSE clients of most mini-app
frameworks) cannot send an `Authorization` header, so a signed-in caller asks for a ticket and
puts it in the stream's URL. A ticket is a JWT of its own audience (an access token is no ticket
and a ticket no access token), names one term and lives minutes: leaked with a URL, it shows one
term's seat counts, briefly, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from app.domain.errors import AuthenticationFailed, PermissionDenied
from app.identity.tokens import ALGORITHM, MAX_USER_ID, verified_claims


@dataclass(frozen=True)
class StreamTicketSigner:
    secret: str
    issuer: str
    audience: str
    ttl: timedelta

    def issue(
        self, user_id: int, term_id: int, now: datetime | None = None
    ) -> tuple[str, datetime]:
        """The ticket for `term_id`'s seat stream, and when it expires."""
        issued = now or datetime.now(UTC)
        expires = issued + self.ttl
        claims = {
            "sub": str(user_id),
            "term": term_id,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": issued,
            "exp": expires,
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM), expires.replace(microsecond=0)

    def check(self, ticket: str, term_id: int) -> int:
        """The user the ticket was issued to, if it is valid for `term_id`'s seat stream."""
        try:
            claims = verified_claims(ticket, self.secret, self.issuer, self.audience, "term")
            user_id, ticket_term = int(claims["sub"]), int(claims["term"])
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise AuthenticationFailed(
                "the stream ticket is invalid or expired: ask for a new one"
            ) from error
        if not 1 <= user_id <= MAX_USER_ID:
            raise AuthenticationFailed("the stream ticket is invalid or expired: ask for a new one")
        if ticket_term != term_id:
            raise PermissionDenied(f"this ticket is for the seat stream of term {ticket_term}")
        return user_id
