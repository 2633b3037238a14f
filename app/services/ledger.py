"""The fee ledger's writing: its lock (the term's row) and idempotent appends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.errors import Conflict, NotFound
from app.models import LedgerEntry, Term


@dataclass(frozen=True)
class Books:
    """A term's ledger state, read under the term's row lock."""

    term_id: int
    billed_at: datetime | None
    settled_at: datetime | None

    def require_open(self) -> None:
        if self.settled_at is not None:
            raise Conflict("the term is settled: its ledger takes no more entries")


async def lock_books(session: AsyncSession, term_id: int) -> Books:
    """Lock the term's row until the transaction ends. Every writer of the ledger takes this
    lock first, so that billing twice at once charges once and no entry slips in beside or
    after the settlement. (The billing and settlement times are set with plain UPDATEs: they
    are not an administrator's edit of the term and must not make one stale.)"""
    row = (
        await session.execute(
            select(Term.billed_at, Term.settled_at).where(Term.id == term_id).with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise NotFound(f"no term {term_id}")
    return Books(term_id, row.billed_at, row.settled_at)


async def mark_term(session: AsyncSession, term_id: int, **moments: datetime) -> None:
    await session.execute(update(Term).where(Term.id == term_id).values(**moments))


async def append_entries(session: AsyncSession, rows: list[dict[str, object]]) -> int:
    """Insert ledger entries, skipping any whose dedupe key is there already; how many were new."""
    written = 0
    for start in range(0, len(rows), 2000):
        statement_ = (
            insert(LedgerEntry)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(LedgerEntry.id)
        )
        written += len((await session.execute(statement_, rows[start : start + 2000])).all())
    return written
