"""Why a grab is refused: one error per slug of the front-end contract (DESIGN.md section 4)."""

from __future__ import annotations

from app.domain.errors import Conflict, DomainError


class GrabRefused(Conflict):
    """A grab the engine turned down: the student cannot have this seat now."""

    slug = "grab-refused"


class CourseFull(GrabRefused):
    slug = "course-full"
    title_zh = "名额已满"
    title_en = "The course is full"


class AlreadyEnrolled(GrabRefused):
    slug = "already-enrolled"
    title_zh = "已报名该课程"
    title_en = "Already enrolled in this course"


class TimeConflict(GrabRefused):
    slug = "time-conflict"
    title_zh = "与已报课程时间冲突"
    title_en = "Clashes with a course the student already has"


class WindowNotOpen(GrabRefused):
    slug = "window-not-open"
    title_zh = "报名尚未开始"
    title_en = "Registration has not opened yet"


class WindowClosed(GrabRefused):
    slug = "window-closed"
    title_zh = "报名已结束,无法补报、退报、调报"
    title_en = "Registration has closed"


class NotEligible(GrabRefused):
    slug = "not-eligible"
    title_zh = "该课程不面向该学生的年级"
    title_en = "The course is not open to the student's grade"


class PrerequisitesMissing(GrabRefused):
    slug = "prerequisites-missing"
    title_zh = "请先绑定孩子、签署托管协议并确认学平险"
    title_en = "Bind the child, sign the agreement and confirm insurance first"


class LimitReached(GrabRefused):
    slug = "limit-reached"
    title_zh = "已达每人可报课程数上限"
    title_en = "The student holds as many courses as allowed"


class NotInRound(GrabRefused):
    slug = "not-in-round"
    title_zh = "第二轮报名仅限撤班课程的学生"
    title_en = "Round two is only for students of cancelled courses"


class CourseCancelled(GrabRefused):
    slug = "course-cancelled"
    title_zh = "该课程已撤班"
    title_en = "The course was cancelled"


class EngineRebuilding(DomainError):
    slug = "engine-rebuilding"
    title_zh = "系统正在恢复,请稍后重试"
    title_en = "Registration is being restored; try again in a moment"


class DatabaseUnavailable(DomainError):
    """Postgres could not take the seat, and the Redis it rests on does not keep every write:
    nothing is promised (the seat was given back); the same attempt may be sent again."""

    slug = "database-unavailable"
    title_zh = "系统繁忙,本次报名未成功,请稍后重试"
    title_en = "The registration could not be saved; try again in a moment"


class IdempotencyKeyReused(DomainError):
    """The Idempotency-Key was used before for another request (another student or course)."""

    slug = "idempotency-key-reused"
    title_zh = "该 Idempotency-Key 已用于另一次报名"
    title_en = "This Idempotency-Key was used for a different request"


class IdempotencyKeyMissing(DomainError):
    slug = "idempotency-key-missing"
    title_zh = "请求缺少 Idempotency-Key 头"
    title_en = "The Idempotency-Key header is required"


class RateLimited(DomainError):
    slug = "rate-limited"
    title_zh = "请求过于频繁,请稍后再试"
    title_en = "Too many requests; try again shortly"


REFUSALS: dict[str, type[GrabRefused]] = {
    error.slug: error
    for error in (
        CourseFull, AlreadyEnrolled, TimeConflict, WindowNotOpen, WindowClosed, NotEligible,
        PrerequisitesMissing, LimitReached, NotInRound, CourseCancelled,
    )
}  # fmt: skip
