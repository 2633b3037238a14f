from __future__ import annotations

import time
from datetime import timedelta

import pytest

from app.domain.errors import AuthenticationFailed
from app.identity.tokens import TokenSigner

SECRET = "a-secret-of-at-least-thirty-two-bytes-long"


def test_a_token_verified_once_is_still_refused_once_it_expires() -> None:
    signer = TokenSigner(SECRET, "kehou", "kehou-api", timedelta(seconds=1))
    token = signer.issue(42)
    assert signer.user_id(token) == 42
    assert signer.user_id(token) == 42  # from the verified cache
    time.sleep(1.1)
    with pytest.raises(AuthenticationFailed):
        signer.user_id(token)


def test_the_cache_never_vouches_for_a_token_it_did_not_verify() -> None:
    signer = TokenSigner(SECRET, "kehou", "kehou-api", timedelta(minutes=15))
    forged = TokenSigner("another-secret-of-thirty-two-bytes-long!", "kehou", "kehou-api",
                         timedelta(minutes=15)).issue(42)  # fmt: skip
    assert signer.user_id(signer.issue(42)) == 42
    with pytest.raises(AuthenticationFailed):
        signer.user_id(forged)
