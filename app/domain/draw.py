"""A verifiable draw (公开可验证的随机排序), and what a school can decide by it instead of by the
fastest phone: the order of the attempts that arrive in an opening's first seconds, or the
order in which families' ranked choices (志愿) are served.

- Before the opening the school publishes a commitment: the SHA-256 of a secret seed.
- After the draw it reveals the seed. Anyone holding the seed and the list of entrants
  recomputes the order (`draw_order`) and checks it against the commitment (`verify_draw`).
- Each entrant's place is decided by HMAC-SHA256(seed, "<scope>:<entrant>"). This is a uniform
  random order for a seed the school could not choose after seeing the entrants (it committed
  to it first). An entrant's place does not depend on who else entered, so the list cannot be
  padded to move someone.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

SEED_BYTES = 32


def new_seed() -> str:
    """A secret seed, hex: kept by the school until the draw is done."""
    return secrets.token_hex(SEED_BYTES)


def commitment(seed: str) -> str:
    """What the school publishes before the draw: the SHA-256 of the seed, hex."""
    return hashlib.sha256(bytes.fromhex(seed)).hexdigest()


def ticket(seed: str, scope: str, entrant: int) -> str:
    """An entrant's draw ticket: the lower, the earlier. `scope` names the draw (a term's)."""
    message = f"{scope}:{entrant}".encode()
    return hmac.new(bytes.fromhex(seed), message, hashlib.sha256).hexdigest()


def draw_order(seed: str, scope: str, entrants: Iterable[int]) -> list[int]:
    """The entrants (each once) in the draw's order."""
    return sorted(set(entrants), key=lambda entrant: (ticket(seed, scope, entrant), entrant))


@dataclass(frozen=True)
class Verification:
    commitment_matches: bool
    order_matches: bool
    first_difference: int | None  # the first place where the claimed order differs

    @property
    def ok(self) -> bool:
        return self.commitment_matches and self.order_matches


def verify_draw(
    seed: str, published_commitment: str, scope: str, entrants: Iterable[int],
    claimed_order: Sequence[int],
) -> Verification:  # fmt: skip
    """Whether the revealed seed is the one committed to, and the claimed order the one it
    gives for these entrants."""
    try:
        matches = hmac.compare_digest(commitment(seed), published_commitment.lower())
    except ValueError:  # not hex
        return Verification(False, False, 0)
    expected = draw_order(seed, scope, entrants)
    difference = next(
        (
            place
            for place, (a, b) in enumerate(zip(expected, claimed_order, strict=False))
            if a != b
        ),
        None if len(expected) == len(claimed_order) else min(len(expected), len(claimed_order)),
    )
    return Verification(matches, difference is None, difference)


def serve_in_order(
    order: Sequence[int],
    choices: Mapping[int, Sequence[int]],
    seats: Mapping[int, int],
) -> dict[int, int]:
    """Random serial dictatorship: each family in the draw's order gets its highest choice
    still open (a course with a seat left), or nothing. No family gains by ranking other than
    as it prefers, and no course is given beyond its seats. Family → course."""
    left = dict(seats)
    given = {}
    for family in order:
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
    early = [family for family, at in arrivals if at < window_s]
    drawn = draw_order(seed, scope, early)
    seen = set(drawn)
    late = []
    for family, at in arrivals:
        if at >= window_s and family not in seen:
            seen.add(family)
            late.append(family)
    return drawn + late
