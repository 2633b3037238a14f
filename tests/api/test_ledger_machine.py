"""A Hypothesis state machine over a term's fee ledger, driven through the API: billing,
payments (references repeated), sessions cancelled by the school, a dismissal, and the
settlement, in any order. After every step the ledger's sums reconcile: each statement is the sum
of its entries, every charge and refund is there once, and a settled term balances to zero."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from app.domain.attendance import PolicyAction
from app.domain.fees import LedgerKind
from app.models import LedgerEntry, PolicyStep
from app.services.common import school_today
from app.settings import Settings
from tests.support.grabbing import Family, add_families
from tests.support.machines import AppMachine
from tests.support.term import a_term_around_today
from tests.support.world import build_world

API = "/api/v1"
FEE = 2000
STUDENTS = 4


def machine_for(app_settings: Settings) -> type[RuleBasedStateMachine]:
    class LedgerMachine(AppMachine):
        settings = app_settings

        def __init__(self) -> None:
            super().__init__()
            self.client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=self.app), base_url="http://ledger"
            )
            self.run(self._setup())
            self.billed = False
            self.settled = False
            self.dismissed: set[int] = set()
            self.never_billed: set[int] = set()
            self.payments: dict[str, tuple[int, int]] = {}  # reference → (student, fen)

        async def _setup(self) -> None:
            world = await build_world(self.resources.sessionmaker)
            self.world = world
            self.families: list[Family] = await add_families(
                self.resources, world.school_a, world.class_a301, world.term_a, STUDENTS
            )
            await a_term_around_today(self.resources, world, self.families)
            self.admin = {
                "Authorization": f"Bearer {self.resources.signer.issue(world.users['admin-a'])}"
            }
            await self.call("POST", f"/terms/{world.term_a}/sessions/generate")
            sessions = (
                await self.call(
                    "GET", f"/terms/{world.term_a}/sessions",
                    params={"course_id": world.course_a, "size": 200},
                )
            )["items"]  # fmt: skip
            today = school_today()
            self.future = [s["id"] for s in sessions if date.fromisoformat(s["on_date"]) > today]

        async def call(self, method: str, path: str, **kwargs: Any) -> Any:
            response = await self.client.request(
                method, f"{API}{path}", headers=self.admin, **kwargs
            )
            assert response.status_code < 500, response.text
            self.last_status = response.status_code
            return response.json()

        @rule()
        def bill(self) -> None:
            self.run(self.call("POST", f"/terms/{self.world.term_a}/billing"))
            assert self.last_status == (409 if self.settled else 200)
            self.billed = self.billed or not self.settled

        @rule(student=st.integers(0, STUDENTS - 1), fen=st.integers(1, 50_000),
              reference=st.sampled_from(["A", "B", "C", "D", "E"]))  # fmt: skip
        def pay(self, student: int, fen: int, reference: str) -> None:
            family = self.families[student]
            self.run(
                self.call(
                    "POST",
                    f"/terms/{self.world.term_a}/payments",
                    json={
                        "student_id": family.student_id,
                        "amount_fen": fen,
                        "reference": reference,
                    },
                )
            )
            known = self.payments.get(reference)
            if self.settled:
                assert self.last_status == 409
            elif known is None:
                assert self.last_status == 201
                self.payments[reference] = (family.student_id, fen)
            else:
                assert self.last_status == (201 if known == (family.student_id, fen) else 409)

        @rule(index=st.integers(0, 5), force_majeure=st.booleans())
        def cancel_session(self, index: int, force_majeure: bool) -> None:
            session_id = self.future[index % len(self.future)]
            cause = "force_majeure" if force_majeure else "school"
            self.run(
                self.call(
                    "POST",
                    f"/sessions/{session_id}/cancel",
                    json={"cause": cause, "reason": "停课"},
                )
            )
            assert self.last_status in (200, 409)

        @precondition(lambda self: not self.settled)
        @rule(student=st.integers(0, STUDENTS - 1))
        def dismiss(self, student: int) -> None:
            family = self.families[student]
            if family.student_id in self.dismissed:
                return
            self.run(self._propose(family.student_id))
            steps = self.run(
                self.call(
                    "GET",
                    f"/terms/{self.world.term_a}/policy-steps",
                    params={"action": "dismissal_proposed"},
                )
            )
            step = next(s for s in steps if s["student_id"] == family.student_id)
            self.run(
                self.call(
                    "POST",
                    f"/policy-steps/{step['id']}/decision",
                    json={"dismiss": True, "reason": "多次延迟接回"},
                )
            )
            assert self.last_status == 200
            self.dismissed.add(family.student_id)
            if not self.billed:
                self.never_billed.add(family.student_id)  # no seat left to bill

        async def _propose(self, student_id: int) -> None:
            async with self.resources.sessionmaker() as session, session.begin():
                session.add(
                    PolicyStep(
                        term_id=self.world.term_a, student_id=student_id,
                        action=PolicyAction.DISMISSAL_PROPOSED, place="", count=4,
                    )
                )  # fmt: skip

        @rule()
        def settle(self) -> None:
            self.run(
                self.call(
                    "POST",
                    f"/terms/{self.world.term_a}/settlement",
                    json={"end_early_reason": "学期提前结束"},
                )
            )
            assert self.last_status == (409 if self.settled else 200)
            self.settled = True

        async def _sums(self) -> dict[tuple[int, LedgerKind], int]:
            async with self.resources.sessionmaker() as session:
                rows = await session.execute(
                    select(
                        LedgerEntry.student_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_fen)
                    )
                    .where(LedgerEntry.term_id == self.world.term_a)
                    .group_by(LedgerEntry.student_id, LedgerEntry.kind)
                )
                return {(student, kind): int(total) for student, kind, total in rows}

        async def _duplicates(self) -> int:
            async with self.resources.sessionmaker() as session:
                return int(
                    await session.scalar(
                        text(
                            "SELECT count(*) FROM (SELECT session_id, student_id FROM ledger_entry "
                            "WHERE kind = 'refund' GROUP BY 1, 2 HAVING count(*) > 1) d"
                        )
                    )
                    or 0
                )

        @invariant()
        def the_ledger_reconciles(self) -> None:
            sums = self.run(self._sums())
            statements = self.run(self.call("GET", f"/terms/{self.world.term_a}/statements"))[
                "items"
            ]
            by_student = {s["student_id"]: s for s in statements}
            for family in self.families:
                student = family.student_id
                current = by_student.get(student)
                paid = sum(fen for s, fen in self.payments.values() if s == student)
                if current is None:
                    assert not self.billed or student in self.never_billed
                    assert paid == 0
                    continue
                assert current["charged_fen"] == sums.get((student, LedgerKind.CHARGE), 0)
                assert current["refunded_fen"] == -sums.get((student, LedgerKind.REFUND), 0)
                assert current["paid_fen"] == paid == -sums.get((student, LedgerKind.PAYMENT), 0)
                assert current["balance_fen"] == sum(
                    total for (s, _), total in sums.items() if s == student
                )
                assert current["refunded_fen"] <= current["charged_fen"]
                assert current["refunded_fen"] % FEE == 0
                assert (
                    sum(line["sessions_refunded"] for line in current["courses"]) * FEE
                    == (current["refunded_fen"])
                )
                if self.settled:
                    assert current["balance_fen"] == 0
            assert self.run(self._duplicates()) == 0

        async def close(self) -> None:
            await self.client.aclose()
            await super().close()

    return LedgerMachine


@pytest.mark.timeout(300)
def test_ledger_sums_reconcile_under_any_sequence(school_day: date, settings: Settings) -> None:
    run_state_machine_as_test(
        machine_for(settings),
        settings=hypothesis_settings(
            max_examples=10,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
