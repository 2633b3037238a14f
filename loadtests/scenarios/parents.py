"""A parent on the DingTalk mini-app: signs in before the opening, looks at the courses and the
live seat counts, then at the opening second grabs their ranked choices: the next choice when a
course is full, a pause when told to slow down (429) or to come back (503), as the mini-app does.
Refusals are counted apart from errors: a full course is the system working."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime

from locust import FastHttpUser, between, events, task

from loadtests.scenarios.manifest import Family, Manifest

API = "/api/v1"
WANTED = (2, 3)  # courses a family hopes for
MAX_ATTEMPTS = 12


def refusal(environment: object, slug: str, started: float) -> None:
    """A refusal (409): its own row in the statistics, never a failure."""
    events.request.fire(
        request_type="REFUSED",
        name=slug,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=None,
        context={},
    )


class Parent(FastHttpUser):
    weight = 20
    wait_time = between(2, 6)
    manifest: Manifest
    family: Family
    token = ""
    holding: int = 0
    done = False

    def on_start(self) -> None:
        runner = self.environment.runner
        worker_index = getattr(runner, "worker_index", 0) or 0
        workers = int(getattr(self.environment.parsed_options, "processes", 1) or 1)
        self.family = self.manifest.next_family(worker_index, max(workers, 1))
        self.wanted = random.choice(WANTED)
        with self.client.post(
            f"{API}/auth/dingtalk", json={"auth_code": self.family.login}, name="sign in"
        ) as answer:
            self.token = answer.json()["access_token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    @property
    def grab_open(self) -> bool:
        return datetime.now(UTC) >= self.manifest.grab_opens_at

    @task
    def visit(self) -> None:
        if not self.grab_open:
            self.browse()
        elif not self.done:
            self.grab_choices()
        else:
            self.check_enrollments()

    def browse(self) -> None:
        self.client.get(
            f"{API}/terms/{self.family.term_id}/courses",
            params={"student_id": self.family.student_id},
            headers=self.headers,
            name="courses",
        )
        if random.random() < 0.2:
            self.watch_seats()

    def watch_seats(self) -> None:
        """Open the seat stream as a browser does (a ticket, no header), take its first event,
        leave (an H5 page view). Its time is until the first event came."""
        with self.client.post(
            f"{API}/terms/{self.family.term_id}/seats/stream-tickets",
            headers=self.headers,
            name="seat stream ticket",
            catch_response=True,
        ) as ticket:
            if ticket.status_code != 201:
                ticket.failure(f"no ticket: {ticket.status_code}")
                return
            stream_url = ticket.json()["stream_url"]
        with self.client.get(
            stream_url, name="seat stream", stream=True, catch_response=True
        ) as answer:
            if answer.status_code != 200:
                answer.failure(f"stream refused: {answer.status_code}")
                return
            answer.stream.read(1)
            answer.success()

    def grab_choices(self) -> None:
        for course_id in self.family.choices:
            if self.holding >= self.wanted:
                break
            self.grab(course_id)
        self.done = True

    def grab(self, course_id: int) -> None:
        key = uuid.uuid4().hex
        for _ in range(MAX_ATTEMPTS):
            started = time.perf_counter()
            with self.client.post(
                f"{API}/terms/{self.family.term_id}/enrollments",
                json={"student_id": self.family.student_id, "course_id": course_id},
                headers={**self.headers, "Idempotency-Key": key},
                name="grab",
                catch_response=True,
            ) as answer:
                if answer.status_code in (201, 202):
                    answer.success()
                    self.holding += 1
                    return
                if answer.status_code == 409:
                    answer.success()
                    refusal(self.environment, answer.json().get("slug", "refused"), started)
                    return  # full, clashing, over the limit: the next choice
                if answer.status_code in (429, 503):
                    answer.success()
                    refusal(self.environment, f"wait ({answer.status_code})", started)
                    retry = float(answer.headers.get("Retry-After", "1"))
                    time.sleep(retry + random.random())  # back off as asked, with jitter
                    continue
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
                return

    def check_enrollments(self) -> None:
        self.client.get(
            f"{API}/students/{self.family.student_id}/enrollments",
            headers=self.headers,
            name="my enrollments",
        )
