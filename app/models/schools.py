"""Districts, their schools and the schools' classes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.access import Role
from app.models.base import Base, Versioned, created_at_column, enum_column


class District(Versioned, Base):
    """An education bureau (教育局) running one deployment for all of its schools."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = created_at_column()


class School(Versioned, Base):
    __tablename__ = "school"
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = created_at_column()


class SchoolClass(Versioned, Base):
    """A class such as 302 / 三年级2班."""

    __tablename__ = "school_class"
    __table_args__ = (
        UniqueConstraint("school_id", "grade", "number"),
        CheckConstraint("grade BETWEEN 1 AND 6", name="grade_range"),
        CheckConstraint("number BETWEEN 1 AND 99", name="number_range"),
        CheckConstraint("class_teacher_role = 'class_teacher'", name="class_teacher_role"),
        # The class teacher holds the class_teacher grant of the class's school, and revoking
        # the grant takes the class from them in the same statement: the grant is the one source
        # of a class teacher's powers. Only the teacher is cleared, not the school (PostgreSQL
        # 15's column list; the schema is built by the migrations, never from this model).
        ForeignKeyConstraint(
            ["class_teacher_id", "class_teacher_role", "school_id"],
            ["role_grant.user_id", "role_grant.role", "role_grant.school_id"],
            ondelete="SET NULL (class_teacher_id)",
            # Checked at commit: a class and its teacher's grant may be written in one flush,
            # in either order.
            deferrable=True,
            initially="DEFERRED",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    grade: Mapped[int] = mapped_column(SmallInteger)
    number: Mapped[int] = mapped_column(SmallInteger)
    class_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    # Always class_teacher: the role half of the key to the class teacher's grant.
    class_teacher_role: Mapped[Role] = mapped_column(
        enum_column(Role, "role"), server_default=Role.CLASS_TEACHER.value
    )
    created_at: Mapped[datetime] = created_at_column()

    @property
    def code(self) -> str:
        return f"{self.grade}{self.number:02d}"

    @property
    def name(self) -> str:
        return f"{_GRADE_NAMES[self.grade]}年级{self.number}班"


_GRADE_NAMES = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}
