"""A verifiable draw (公开可验证的随机排序), and what a school can decide by it instead of by the
fastest phone: the order of the attempts that arrive in an opening's first seconds, or the
order in which families' ranked choices (志愿) are served.

- Before the opening the school publishes a commitment: the SHA-256 of a secret seed and the
  draw's scope (its name, e.g. `term:12:round:1:ranked`). A fresh seed and scope serve each
  draw: a seed revealed after one draw would make the next one known.
- Once the entrants are closed, the school publishes their list and reveals the seed. Anyone
  holding the seed, the scope and the list recomputes the order (`draw_order`) and checks it
  against the commitment (`verify_draw`).
- Each entrant's place is decided by HMAC-SHA256(seed, "<scope>:<entrant>"). The commitment
  fixes seed and scope before anyone entered, so they cannot be chosen afterwards, and an
  entrant's place among the others does not depend on who else entered.

What it does not prove. The school knows the seed, so it could add invented entrants ahead of
someone, or, knowing the ids that will enter, search for a seed before committing that favours
one. The published list lets every family, and the parent committee, see who was drawn. A
public randomness beacon mixed in after the list closes would remove both, and is not built.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SEED_BYTES = 32
_HEX_64 = re.compile(r"[0-9a-f]{64}")


def new_seed() -> str:
    """A secret seed, hex: kept by the school until the draw is done."""
    return secrets.token_hex(SEED_BYTES)


def commitment(seed: str, scope: str) -> str:
    """What the school publishes before the draw: the SHA-256 of the seed and the scope, hex."""
    return hashlib.sha256(bytes.fromhex(seed) + b"\0" + scope.encode()).hexdigest()


def ticket(seed: str, scope: str, entrant: int) -> str:
    """An entrant's draw ticket: the lower, the earlier."""
    message = f"{scope}:{entrant}".encode()
    return hmac.new(bytes.fromhex(seed), message, hashlib.sha256).hexdigest()


def draw_order(seed: str, scope: str, entrants: Iterable[int]) -> list[int]:
    """The entrants (each once) in the draw's order."""
    return sorted(set(entrants), key=lambda entrant: (ticket(seed, scope, entrant), entrant))


@dataclass(frozen=True)
class Verification:
    well_formed: bool  # a 32-byte seed and a SHA-256 commitment, both hex
    commitment_matches: bool
    order_matches: bool
    first_difference: int | None  # the first place where the claimed order differs

    @property
    def ok(self) -> bool:
        return self.well_formed and self.commitment_matches and self.order_matches


def verify_draw(
    seed: str, published_commitment: str, scope: str, entrants: Iterable[int],
    claimed_order: Sequence[int],
) -> Verification:  # fmt: skip
    """Whether the revealed seed and the scope are the ones committed to, and the claimed order
    the one they give for these entrants."""
    seed, published = seed.strip().lower(), published_commitment.strip().lower()
    if not (_HEX_64.fullmatch(seed) and _HEX_64.fullmatch(published)):
        return Verification(False, False, False, None)
    matches = hmac.compare_digest(commitment(seed, scope), published)
    expected = draw_order(seed, scope, entrants)
    difference = next(
        (
            place
            for place, (a, b) in enumerate(zip(expected, claimed_order, strict=False))
            if a != b
        ),
        None if len(expected) == len(claimed_order) else min(len(expected), len(claimed_order)),
    )
    return Verification(True, matches, difference is None, difference)


def serve_in_order(
    order: Sequence[int],
    choices: Mapping[int, Sequence[int]],
    seats: Mapping[int, int],
) -> dict[int, int]:
    """Random serial dictatorship: each family in the draw's order gets its highest choice
    still open (a course with a seat left), or nothing. No family gains by ranking other than
    as it prefers, and no course is given beyond its seats. Family → course."""
    left = dict(seats)
    given: dict[int, int] = {}
    for family in order:
        if family in given:  # listed again (an attempt sent twice): served once
            continue
        for course in choices.get(family, ()):
            if left.get(course, 0) > 0:
                left[course] -= 1
                given[family] = course
                break
    return given


def fair_start_order(
    seed: str, scope: str, arrivals: Sequence[tuple[int, float]], window_s: float
) -> list[int]:
    """The order a fair start (`fair_start`) serves attempts in. `arrivals` are (family, seconds
    after the opening) in arrival order. Those that came before the end of the first
    `window_s` seconds are drawn; those after follow, first come first served."""
    if not all(math.isfinite(at) for _, at in arrivals):
        raise ValueError("arrival times are finite seconds")
    early = [family for family, at in arrivals if at < window_s]
    drawn = draw_order(seed, scope, early)
    seen = set(drawn)
    late = []
    for family, at in arrivals:
        if at >= window_s and family not in seen:
            seen.add(family)
            late.append(family)
    return drawn + late
