"""Redis key names of one armed term. Every key carries the hash tag {t:<term_id>}, so one Redis
Cluster slot holds a term and every script's keys sit together."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TermKeys:
    prefix: str
    term_id: int

    def _key(self, name: str) -> str:
        return f"{self.prefix}{{t:{self.term_id}}}:{name}"

    @property
    def armed(self) -> str:
        """Hash: the window's times (ms), the per-student limit. Its absence means not armed."""
        return self._key("armed")

    @property
    def seats(self) -> str:
        """Hash course id → seats left."""
        return self._key("seats")

    @property
    def courses(self) -> str:
        """Hash course id → "eligible grades mask,weekday mask,start minute,end minute,status"."""
        return self._key("courses")

    @property
    def students(self) -> str:
        """Hash student id → "grade,ready,in round two"."""
        return self._key("students")

    @property
    def held(self) -> str:
        """Hash student id → comma-separated course ids the student holds."""
        return self._key("held")

    @property
    def guardians(self) -> str:
        """Hash student id → comma-separated user ids bound to the student."""
        return self._key("guardians")

    @property
    def stream(self) -> str:
        """Stream of granted seats, read by the persister."""
        return self._key("grabs")

    @property
    def outcomes(self) -> str:
        """Hash outcome → grab answers given (for the opening page; app/grab/tally.py)."""
        return self._key("outcomes")

    @property
    def rearm_lock(self) -> str:
        return self._key("rearm-lock")

    @property
    def reconcile_lock(self) -> str:
        return self._key("reconcile-lock")

    def parent_window(self, user_id: int) -> str:
        """List of a parent's recent grab times (ms), newest first: the moving window."""
        return self._key(f"rl:parent:{user_id}")

    def address_window(self, client_ip: str) -> str:
        return self._key(f"rl:ip:{client_ip}")

    def in_flight(self, user_id: int) -> str:
        """The Idempotency-Key of the parent's grab in flight, if any."""
        return self._key(f"inflight:{user_id}")

    def idempotency(self, user_id: int, key: str) -> str:
        return self._key(f"idem:{user_id}:{key}")

    def staging(self, name: str) -> str:
        return self._key(f"staging:{name}")

    @property
    def armed_state_keys(self) -> tuple[str, ...]:
        """What arming rebuilds, in the order arm_swap.lua takes them (armed last)."""
        return (self.seats, self.courses, self.students, self.held, self.guardians, self.armed)
