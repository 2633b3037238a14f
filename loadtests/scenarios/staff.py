"""Teachers and administrators browsing during the window: course lists, applications, rosters."""

from __future__ import annotations

import random

from locust import FastHttpUser, between, task

from loadtests.scenarios.manifest import Manifest

API = "/api/v1"


class Staff(FastHttpUser):
    weight = 1
    wait_time = between(3, 10)
    manifest: Manifest

    def on_start(self) -> None:
        logins = self.manifest.teachers or self.manifest.admins
        login = random.choice([*self.manifest.admins, *logins])
        answer = self.client.post(
            f"{API}/auth/dingtalk", json={"auth_code": login}, name="sign in (staff)"
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    @task(3)
    def courses(self) -> None:
        self.client.get(
            f"{API}/terms/{self.manifest.term_id}/courses",
            headers=self.headers,
            name="courses (staff)",
        )

    @task(2)
    def applications(self) -> None:
        self.client.get(
            f"{API}/terms/{self.manifest.term_id}/care-applications",
            headers=self.headers,
            name="care applications",
        )

    @task(1)
    def students(self) -> None:
        self.client.get(
            f"{API}/schools/{self.manifest.school_id}/students",
            headers=self.headers,
            name="students",
        )
