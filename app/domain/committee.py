"""The parent committee (家委会, 篇一/八/九): it sees the fee ledger and the income and spending,
and co-signs the settlement before the school publishes it to the families. The spending is
published by category (篇八: 辅导教师量化考核 60%, 教学质量奖及四优考核 20%, 托管成本 5%, 托管设备
5%, 学区提取 10%; each school may set its own), not only as totals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SpendingShare:
    category: str
    percent: int


DEFAULT_SHARES: tuple[SpendingShare, ...] = (
    SpendingShare("辅导教师量化考核", 60),
    SpendingShare("教学质量奖及四优考核", 20),
    SpendingShare("托管成本", 5),
    SpendingShare("托管设备", 5),
    SpendingShare("学区提取", 10),
)


def check_shares(shares: Sequence[SpendingShare]) -> None:
    """Raises ValueError unless the shares are named once each, each 0–100 %, 100 % in all."""
    names = [share.category.strip() for share in shares]
    if not shares or any(not name for name in names) or len(set(names)) != len(names):
        raise ValueError("each spending category is named, once")
    if any(not 0 <= share.percent <= 100 for share in shares):
        raise ValueError("a share is 0 to 100 percent")
    if sum(share.percent for share in shares) != 100:
        raise ValueError("the shares make 100 percent")


def allocate(total_fen: int, shares: Sequence[SpendingShare]) -> list[int]:
    """`total_fen` split by the shares, in whole fen that add up to it exactly: each its floor,
    and the fen left over to the largest remainders (the earlier category on a tie)."""
    check_shares(shares)
    exact = [total_fen * share.percent for share in shares]  # in hundredths of a fen
    floors = [amount // 100 for amount in exact]
    left = total_fen - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(exact[i] % 100), i))
    for index in by_remainder[:left]:
        floors[index] += 1
    return floors


def published(*, settled: bool, has_committee: bool, co_signed: bool) -> bool:
    """The families see the income and spending once the term is settled and, where the school
    has a parent committee, the committee has co-signed it."""
    return settled and (co_signed or not has_committee)
