"""Seat-stream tickets: one term's stream, minutes long, never an access token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import AuthenticationFailed, PermissionDenied
from app.identity.tickets import StreamTicketSigner
from app.identity.tokens import TokenSigner

SECRET = "a-secret-of-at-least-thirty-two-bytes-long"
TICKETS = StreamTicketSigner(SECRET, "kehou", "kehou-api:seat-stream", timedelta(minutes=10))
TOKENS = TokenSigner(SECRET, "kehou", "kehou-api", timedelta(minutes=15))


def test_a_ticket_opens_its_terms_stream_for_its_user() -> None:
    ticket, expires_at = TICKETS.issue(42, 7, now=datetime.now(UTC))
    assert TICKETS.check(ticket, 7) == 42
    assert timedelta(minutes=9) < expires_at - datetime.now(UTC) <= timedelta(minutes=10)


def test_a_ticket_does_not_open_another_terms_stream() -> None:
    ticket, _ = TICKETS.issue(42, 7)
    with pytest.raises(PermissionDenied, match="term 7"):
        TICKETS.check(ticket, 8)


def test_an_expired_ticket_is_refused() -> None:
    ticket, _ = TICKETS.issue(42, 7, now=datetime.now(UTC) - timedelta(minutes=11))
    with pytest.raises(AuthenticationFailed, match="ask for a new one"):
        TICKETS.check(ticket, 7)


def test_an_access_token_is_no_ticket_and_a_ticket_no_access_token() -> None:
    with pytest.raises(AuthenticationFailed):
        TICKETS.check(TOKENS.issue(42), 7)
    ticket, _ = TICKETS.issue(42, 7)
    with pytest.raises(AuthenticationFailed):
        TOKENS.user_id(ticket)


@pytest.mark.parametrize("ticket", ["", "not-a-jwt", "a.b.c"])
def test_a_malformed_ticket_is_refused(ticket: str) -> None:
    with pytest.raises(AuthenticationFailed):
        TICKETS.check(ticket, 7)


def test_a_ticket_signed_with_another_secret_is_refused() -> None:
    forger = StreamTicketSigner(
        "another-secret-of-thirty-two-bytes-long!", "kehou", "kehou-api:seat-stream",
        timedelta(minutes=10),
    )  # fmt: skip
    ticket, _ = forger.issue(42, 7)
    with pytest.raises(AuthenticationFailed):
        TICKETS.check(ticket, 7)
