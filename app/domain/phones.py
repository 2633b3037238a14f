"""Phone numbers as the service keeps them: E.164 (+8613800138001), whatever way they were typed
(138-0013-8001, +86 138 0013 8001, full-width digits), so that one person is one number: a
guardian imported twice, siblings' guardian, a staff member named by phone all match."""

from __future__ import annotations

import unicodedata

import phonenumbers

REGION = "CN"  # numbers without a country code are Chinese


def e164_phone(text: str) -> str | None:
    """The number in E.164 when it is a valid number (Chinese unless it says otherwise)."""
    typed = unicodedata.normalize("NFKC", text).strip().removesuffix(".0")
    try:
        number = phonenumbers.parse(typed, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
