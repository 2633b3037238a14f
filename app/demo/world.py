"""A realistic demo district for trying the product, load tests and rehearsals.

Two schools, grades 1–6 in classes of about 40, guardians with development logins, agreements and
insurance for most children but not all, a term whose window opens soon, extension courses of
varied capacity (a few of them unpopular, so that the reconciler has courses to cancel) and basic
care; and the first school's term in progress (`app/demo/running.py`). Bulk inserts keep 20,000
students to seconds. The manifest lists what was made.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.demo.running import add_running_term
from app.domain.access import Role
from app.domain.schedule import GradeRule, default_grade_rules
from app.domain.statuses import BindingStatus
from app.domain.window import plan_window
from app.models import (
    Agreement,
    Course,
    CourseKind,
    District,
    GradeSchedule,
    Guardianship,
    Insurance,
    RoleGrant,
    School,
    SchoolClass,
    Student,
    Term,
    User,
)
from app.persistence.database import async_database_url

CLASS_SIZE = 40
SCHOOLS = (("溪尾中心小学", "xiwei"), ("实验小学", "shiyan"))
COURSE_NAMES = (
    "少儿编程", "书法", "围棋", "国际象棋", "篮球", "足球", "乒乓球", "羽毛球", "合唱", "舞蹈",
    "美术", "陶艺", "科学实验", "机器人", "英语绘本", "朗诵", "剪纸", "武术", "跳绳", "航模",
    "手工", "口琴", "葫芦丝", "象棋", "魔方",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "子轩梓涵浩然欣怡宇轩雨桐俊杰思远佳琪博文"
LESSON = timedelta(minutes=40)
BREAK = timedelta(minutes=10)


@dataclass(frozen=True)
class DemoOptions:
    students: int = 1680
    courses: int = 25  # extension courses per school term
    opens_in_s: int = 300
    window_s: int = 24 * 3600
    ready_share: float = 0.9  # children passing all gates
    seed: int = 20261129
    running_term: bool = True  # the first school's term in progress (sessions, roll calls, fees)


def _lesson_slots(rule: GradeRule) -> list[tuple[time, time]]:
    """The 40-minute lessons that fit in a grade's care hours, with 10-minute breaks."""
    day = datetime(2000, 1, 1)
    start = datetime.combine(day, rule.start)
    end = datetime.combine(day, rule.end)
    slots = []
    while start + LESSON <= end:
        slots.append((start.time(), (start + LESSON).time()))
        start += LESSON + BREAK
    return slots


# Told of each step as it is done (a line for a person watching a long build).
Progress = Callable[[str], None]


class DemoBuilder:
    def __init__(
        self, session: AsyncSession, options: DemoOptions, progress: Progress | None = None
    ) -> None:
        self.session = session
        self.options = options
        self.progress = progress or (lambda _: None)
        self.started = monotonic()
        self.rng = random.Random(options.seed)  # noqa: S311  (demo data, not secrets)
        self.tag = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + f"{self.rng.randrange(1000):03d}"
        self.manifest: dict[str, Any] = {"schools": [], "courses": [], "parents": []}

    async def _insert(
        self, model: type[Any], rows: list[dict[str, Any]], *columns: Any
    ) -> list[Any]:
        if not rows:
            return []
        if columns:
            return list(await self.session.execute(insert(model).returning(*columns), rows))
        await self.session.execute(insert(model), rows)
        return []

    def _login(self, name: str) -> str:
        return f"{name}-{self.tag}"

    async def build(self) -> dict[str, Any]:
        district = District(name="示范区教育局", code=f"demo-{self.tag}")
        admin = User(name="区管理员", dev_login=self._login("district-admin"))
        self.session.add_all([district, admin])
        await self.session.flush()
        self.session.add(
            RoleGrant(user_id=admin.id, role=Role.DISTRICT_ADMIN, district_id=district.id)
        )
        self.manifest |= {"district_id": district.id, "district_admin": f"dev:{admin.dev_login}"}
        share = -(-self.options.students // len(SCHOOLS))
        built = 0
        for index, (name, code) in enumerate(SCHOOLS):
            students = max(min(share, self.options.students - index * share), 0)
            await self._school(district.id, index + 1, name, code, students)
            built += students
            self._say(f"school {index + 1}/{len(SCHOOLS)} {name}: {built:,} students so far")
        await self.session.flush()
        if self.options.running_term and self.manifest["schools"]:
            first = self.manifest["schools"][0]
            entry = await add_running_term(
                self.session, first["id"], self._login("care-s1"), self.rng
            )
            first["running_terms"] = [entry]
            self._say("the first school's term in progress: sessions, roll calls, fees")
        self._say("committing")
        return self.manifest

    def _say(self, step: str) -> None:
        self.progress(f"demo: {step} ({monotonic() - self.started:.0f} s)")

    async def _school(
        self, district_id: int, number: int, name: str, code: str, students: int
    ) -> None:
        school = School(district_id=district_id, name=name, code=f"{code}-{self.tag}")
        admin = User(name=f"{name}管理员", dev_login=self._login(f"admin-s{number}"))
        self.session.add_all([school, admin])
        await self.session.flush()
        self.session.add(RoleGrant(user_id=admin.id, role=Role.SCHOOL_ADMIN, school_id=school.id))
        term = await self._term(school.id)
        self.manifest["schools"].append(
            {
                "id": school.id,
                "name": name,
                "admin": f"dev:{admin.dev_login}",
                "terms": [self._term_entry(term)],
            }
        )
        rules = default_grade_rules()
        for grade, rule in rules.items():
            self.session.add(
                GradeSchedule(
                    term_id=term.id, grade=grade, start_time=rule.start, end_time=rule.end,
                    summer_end_time=rule.summer_end, weekdays=sorted(rule.weekdays),
                )
            )  # fmt: skip
        await self._courses(term, rules)
        await self._people(school.id, number, term, students)

    async def _term(self, school_id: int) -> Term:
        opens = datetime.now(UTC).replace(microsecond=0) + timedelta(
            seconds=self.options.opens_in_s
        )
        window = plan_window(opens, opens + timedelta(seconds=self.options.window_s))
        starts_on = (window.round2_closes_at + timedelta(days=7)).date()
        term = Term(
            school_id=school_id,
            name=f"{starts_on.year}学期(演示)",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(weeks=18),
            opens_at=window.opens_at,
            closes_at=window.closes_at,
            grab_opens_at=window.grab_opens_at,
            round2_opens_at=window.round2_opens_at,
            round2_closes_at=window.round2_closes_at,
            max_extension_courses=3,
        )
        self.session.add(term)
        await self.session.flush()
        return term

    @staticmethod
    def _term_entry(term: Term) -> dict[str, Any]:
        fields = ("opens_at", "grab_opens_at", "closes_at", "round2_opens_at", "round2_closes_at")
        return {"id": term.id} | {name: getattr(term, name).isoformat() for name in fields}

    async def _courses(self, term: Term, rules: dict[int, GradeRule]) -> None:
        groups = [(1, 2), (3, 4), (5, 6), (1,), (2,), (3,), (4,), (5,), (6,)]
        rows: list[dict[str, Any]] = []
        for index in range(self.options.courses):
            grades = groups[index % len(groups)]
            rule = rules[max(grades)]  # the later start of the group fits every grade in it
            weekdays = sorted(
                self.rng.sample(sorted(rules[min(grades)].weekdays & rule.weekdays), 2)
            )
            start, end = self.rng.choice(_lesson_slots(rule))
            unpopular = index % 6 == 5
            rows.append(
                {
                    "term_id": term.id, "kind": CourseKind.EXTENSION,
                    "name": f"{COURSE_NAMES[index % len(COURSE_NAMES)]} {index // len(COURSE_NAMES) + 1}",
                    "grades": list(grades), "weekdays": weekdays, "start_time": start, "end_time": end,
                    "capacity": self.rng.choice((20, 25, 30, 35, 40)), "min_size": 15,
                    "fee_per_session_fen": 2000, "room": f"{100 + index}",
                    "popularity": "low" if unpopular else "normal",
                }
            )  # fmt: skip
        for grade in rules:
            rows.append(
                {
                    "term_id": term.id, "kind": CourseKind.BASIC, "name": f"{grade}年级基础托管",
                    "grades": [grade], "weekdays": sorted(rules[grade].weekdays), "start_time": None,
                    "end_time": None, "capacity": CLASS_SIZE * 4, "min_size": 0, "fee_per_session_fen": 0,
                    "room": "", "popularity": "normal",
                }
            )  # fmt: skip
        popularity = [row.pop("popularity") for row in rows]
        created = await self._insert(Course, rows, Course.id)
        for (course_id,), row, popular in zip(created, rows, popularity, strict=True):
            self.manifest["courses"].append(
                {
                    "id": course_id, "term_id": term.id, "kind": row["kind"].value, "capacity": row["capacity"],
                    "min_size": row["min_size"], "grades": row["grades"], "weekdays": row["weekdays"],
                    "popularity": popular,
                }
            )  # fmt: skip

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN) + self.rng.choice(GIVEN)

    async def _people(self, school_id: int, number: int, term: Term, students: int) -> None:
        per_grade = -(-students // 6) if students else 0
        layout: list[tuple[int, int, int]] = []  # (grade, class number, count)
        for grade in range(1, 7):
            left = max(0, min(per_grade, students - (grade - 1) * per_grade))
            class_count = max(1, -(-left // CLASS_SIZE)) if left else 0
            for class_number in range(1, class_count + 1):
                layout.append(
                    (grade, class_number, min(CLASS_SIZE, left - (class_number - 1) * CLASS_SIZE))
                )
        teachers = await self._insert(
            User,
            [
                {
                    "name": f"{g}{c:02d}班主任",
                    "dev_login": self._login(f"teacher-s{number}-{g}{c:02d}"),
                }
                for g, c, _ in layout
            ],
            User.id,
        )
        await self._insert(
            RoleGrant,
            [
                {"user_id": t, "role": Role.CLASS_TEACHER, "school_id": school_id}
                for (t,) in teachers
            ],
        )
        entry = next(e for e in self.manifest["schools"] if e["id"] == school_id)
        entry["teachers"] = [
            f"dev:{self._login(f'teacher-s{number}-{g}{c:02d}')}" for g, c, _ in layout
        ]
        classes = await self._insert(
            SchoolClass,
            [
                {"school_id": school_id, "grade": g, "number": c, "class_teacher_id": t}
                for (g, c, _), (t,) in zip(layout, teachers, strict=True)
            ],
            SchoolClass.id,
        )
        student_rows, grades = [], []
        for (grade, class_number, count), (class_id,) in zip(layout, classes, strict=True):
            for seat in range(count):
                student_rows.append(
                    {
                        "school_id": school_id, "class_id": class_id, "name": self._name(),
                        "student_number": f"{number}{grade}{class_number:02d}{seat:03d}",
                        "migrant_worker_child": self.rng.random() < 0.1, "left_behind": self.rng.random() < 0.05,
                    }
                )  # fmt: skip
                grades.append(grade)
        student_ids = [sid for (sid,) in await self._insert(Student, student_rows, Student.id)]
        await self._families(number, term, student_ids, grades)

    async def _families(
        self, school_number: int, term: Term, student_ids: list[int], grades: list[int]
    ) -> None:
        parents = await self._insert(
            User,
            [
                {
                    "name": "家长",
                    "phone": f"139{school_number}{i:07d}",
                    "dev_login": self._login(f"parent-s{school_number}-{i:05d}"),
                }
                for i in range(len(student_ids))
            ],
            User.id,
            User.dev_login,
        )
        now = datetime.now(UTC)
        bindings, agreements, insurance = [], [], []
        for (parent_id, login), student_id, grade in zip(parents, student_ids, grades, strict=True):
            roll = self.rng.random()
            bound = roll < 0.98
            ready = roll < self.options.ready_share
            if bound:
                bindings.append(
                    {"student_id": student_id, "user_id": parent_id, "relation": "guardian",
                     "status": BindingStatus.CONFIRMED, "confirmed_at": now}
                )  # fmt: skip
                child = {"id": student_id, "grade": grade, "ready": ready}
                self.manifest["parents"].append({"login": f"dev:{login}", "children": [child]})
            if ready or self.rng.random() < 0.5:
                agreements.append(
                    {"student_id": student_id, "term_id": term.id, "agreement_version": "demo-v1",
                     "signed_by_id": parent_id, "signed_at": now}
                )  # fmt: skip
            if ready:
                insurance.append(
                    {"student_id": student_id, "insurer": "演示保险", "policy_number": f"P{student_id}",
                     "valid_from": term.starts_on - timedelta(days=30), "valid_to": term.ends_on + timedelta(days=30)}
                )  # fmt: skip
            elif bound and self.rng.random() < 0.5:
                insurance.append(  # a policy that lapses mid-term: not ready
                    {"student_id": student_id, "insurer": "演示保险", "policy_number": f"L{student_id}",
                     "valid_from": term.starts_on, "valid_to": term.starts_on + timedelta(days=30)}
                )  # fmt: skip
        await self._insert(Guardianship, bindings)
        await self._insert(Agreement, agreements)
        await self._insert(Insurance, insurance)


async def build_demo(
    database_url: str, options: DemoOptions, progress: Progress | None = None
) -> dict[str, Any]:
    """Build a demo district in one transaction and return its manifest."""
    database = create_async_engine(async_database_url(database_url), hide_parameters=True)
    try:
        async with AsyncSession(database, expire_on_commit=False) as session, session.begin():
            return await DemoBuilder(session, options, progress).build()
    finally:
        await database.dispose()
