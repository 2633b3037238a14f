"""The demo manifest (DESIGN.md section 6) as the rehearsal reads it: which family each simulated
parent plays, which courses fit their child, when the grab opens."""

from __future__ import annotations

import itertools
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

MANIFEST_ENV = "KEHOU_MANIFEST"


@dataclass(frozen=True)
class Family:
    login: str
    student_id: int
    grade: int
    term_id: int
    choices: tuple[int, ...]  # course ids the child may take, best liked first


class Manifest:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        school = document["schools"][0]
        self.term = school["terms"][0]
        self.term_id: int = self.term["id"]
        self.grab_opens_at = datetime.fromisoformat(self.term["grab_opens_at"])
        # Staff of the rehearsed school: the first school's term is the one rehearsed.
        self.admins = [school["admin"]]
        self.teachers = list(school.get("teachers", []))
        self.school_id: int = school["id"]
        courses = [
            c for c in document["courses"] if c["term_id"] == self.term_id and c["kind"] != "basic"
        ]
        families = []
        for parent in document["parents"]:
            child = parent["children"][0]
            fitting = [c["id"] for c in courses if child["grade"] in c["grades"]]
            if fitting and child["ready"]:
                # Every family ranks differently, and the first courses are the popular ones.
                offset = child["id"] % len(fitting)
                ranked = tuple(fitting[offset:] + fitting[:offset])
                families.append(
                    Family(parent["login"], child["id"], child["grade"], self.term_id, ranked)
                )
        self.families = families
        self._next = itertools.cycle(range(len(families)))
        self._lock = threading.Lock()

    def next_family(self, worker_index: int = 0, workers: int = 1) -> Family:
        """Each simulated parent plays a different family (in turn, when there are more users);
        with several locust processes, each takes its own share of the families."""
        with self._lock:
            turn = next(self._next)
        return self.families[(turn * workers + worker_index) % len(self.families)]

    @classmethod
    def load(cls, path: str | None = None) -> Manifest:
        source = Path(path or os.environ.get(MANIFEST_ENV, "demo-manifest.json"))
        return cls(json.loads(source.read_text(encoding="utf-8")))
