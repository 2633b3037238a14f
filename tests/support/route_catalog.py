"""A concrete request for every route of the app, about school A, class 301 and student 1.

Shared by the authorization matrix and the privacy scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.world import World


@dataclass(frozen=True)
class Call:
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    headers: dict[str, str] | None = None
    endless: bool = False  # a stream: allowed means it stays open


Spec = Callable[[World], Call]

NEW_TERM = {
    "name": "2027春",
    "starts_on": "2027-02-20",
    "ends_on": "2027-07-01",
    "opens_at": "2027-02-10T11:00:00+08:00",
}
NEW_COURSE = {"kind": "extension", "name": "围棋", "grades": [3], "weekdays": [1], "capacity": 20}

CATALOG: dict[tuple[str, str], Spec] = {
    ("GET", "/healthz"): lambda w: Call("/healthz"),
    ("GET", "/readyz"): lambda w: Call("/readyz"),
    ("GET", "/metrics"): lambda w: Call("/metrics"),
    ("GET", "/openapi.json"): lambda w: Call("/openapi.json"),
    ("GET", "/docs"): lambda w: Call("/docs"),
    ("GET", "/redoc"): lambda w: Call("/redoc"),
    ("POST", "/api/v1/auth/dingtalk"): lambda w: Call(
        "/api/v1/auth/dingtalk", {"auth_code": "dev:parent-1"}
    ),
    ("POST", "/api/v1/auth/refresh"): lambda w: Call(
        "/api/v1/auth/refresh", {"refresh_token": "not-a-real-refresh-token"}
    ),
    ("GET", "/api/v1/me"): lambda w: Call("/api/v1/me"),
    ("GET", "/api/v1/districts/{district_id}"): lambda w: Call(
        f"/api/v1/districts/{w.district_id}"
    ),
    ("GET", "/api/v1/districts/{district_id}/schools"): lambda w: Call(
        f"/api/v1/districts/{w.district_id}/schools"
    ),
    ("POST", "/api/v1/districts/{district_id}/schools"): lambda w: Call(
        f"/api/v1/districts/{w.district_id}/schools", {"name": "新校", "code": "new-school"}
    ),
    ("GET", "/api/v1/districts/{district_id}/calendar-overrides"): lambda w: Call(
        f"/api/v1/districts/{w.district_id}/calendar-overrides"
    ),
    ("POST", "/api/v1/districts/{district_id}/calendar-overrides"): lambda w: Call(
        f"/api/v1/districts/{w.district_id}/calendar-overrides",
        {"on_date": "2026-11-14", "is_workday": True, "follows_weekday": 5, "name": "调休"},
    ),
    ("GET", "/api/v1/schools/{school_id}"): lambda w: Call(f"/api/v1/schools/{w.school_a}"),
    ("PATCH", "/api/v1/schools/{school_id}"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}", {"version": 1, "name": "溪尾中心小学(新)"}
    ),
    ("GET", "/api/v1/schools/{school_id}/classes"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/classes"
    ),
    ("POST", "/api/v1/schools/{school_id}/classes"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/classes", {"grade": 4, "number": 1}
    ),
    ("PATCH", "/api/v1/classes/{class_id}"): lambda w: Call(
        f"/api/v1/classes/{w.class_a301}", {"version": 1, "class_teacher_id": None}
    ),
    ("GET", "/api/v1/schools/{school_id}/staff"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/staff"
    ),
    ("POST", "/api/v1/schools/{school_id}/staff"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/staff", {"role": "duty_leader", "user_id": w.users["care-a"]}
    ),
    ("DELETE", "/api/v1/staff/{grant_id}"): lambda w: Call(f"/api/v1/staff/{w.care_grant_a}"),
    ("GET", "/api/v1/schools/{school_id}/terms"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/terms"
    ),
    ("POST", "/api/v1/schools/{school_id}/terms"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/terms", NEW_TERM
    ),
    ("GET", "/api/v1/terms/{term_id}"): lambda w: Call(f"/api/v1/terms/{w.term_a}"),
    ("PATCH", "/api/v1/terms/{term_id}"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}", {"version": 1, "max_extension_courses": 2}
    ),
    ("PUT", "/api/v1/terms/{term_id}/grade-schedules/{grade}"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/grade-schedules/5",
        {
            "start_time": "16:00",
            "end_time": "17:30",
            "summer_end_time": "18:00",
            "weekdays": [1, 2, 3, 4, 5],
        },
    ),
    ("PUT", "/api/v1/terms/{term_id}/midday-window"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/midday-window", {"start_time": "11:00", "end_time": "13:30"}
    ),
    ("DELETE", "/api/v1/terms/{term_id}/midday-window"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/midday-window"
    ),
    ("GET", "/api/v1/terms/{term_id}/calendar"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/calendar"
    ),
    ("GET", "/api/v1/terms/{term_id}/suspensions"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/suspensions"
    ),
    ("POST", "/api/v1/terms/{term_id}/suspensions"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/suspensions", {"on_date": "2026-11-11", "reason": "秋游"}
    ),
    ("DELETE", "/api/v1/suspensions/{suspension_id}"): lambda w: Call(
        f"/api/v1/suspensions/{w.suspension_a}"
    ),
    ("GET", "/api/v1/terms/{term_id}/courses"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/courses", params={"student_id": w.student_1}
    ),
    ("POST", "/api/v1/terms/{term_id}/courses"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/courses", NEW_COURSE
    ),
    ("GET", "/api/v1/courses/{course_id}"): lambda w: Call(f"/api/v1/courses/{w.course_a}"),
    ("PATCH", "/api/v1/courses/{course_id}"): lambda w: Call(
        f"/api/v1/courses/{w.course_a}", {"version": 1, "room": "201"}
    ),
    ("GET", "/api/v1/schools/{school_id}/students"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/students"
    ),
    ("POST", "/api/v1/schools/{school_id}/students"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/students",
        {"class_id": w.class_a301, "name": "新同学", "student_number": "A0099"},
    ),
    ("GET", "/api/v1/students/{student_id}"): lambda w: Call(f"/api/v1/students/{w.student_1}"),
    ("PATCH", "/api/v1/students/{student_id}"): lambda w: Call(
        f"/api/v1/students/{w.student_1}", {"version": 1, "name": "王小明"}
    ),
    ("POST", "/api/v1/students/{student_id}/guardians"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/guardians",
        {"guardian": {"name": "王爸爸"}, "relation": "father"},
    ),
    ("GET", "/api/v1/students/{student_id}/guardians"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/guardians"
    ),
    ("POST", "/api/v1/students/{student_id}/binding-codes"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/binding-codes"
    ),
    ("POST", "/api/v1/students/{student_id}/agreements"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/agreements",
        {"term_id": w.term_a, "agreement_version": "v2"},
    ),
    ("POST", "/api/v1/students/{student_id}/insurance"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/insurance",
        {
            "insurer": "平安",
            "policy_number": "X",
            "valid_from": "2026-09-01",
            "valid_to": "2027-08-31",
        },
    ),
    ("GET", "/api/v1/students/{student_id}/readiness"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/readiness", params={"term_id": w.term_a}
    ),
    ("POST", "/api/v1/bindings"): lambda w: Call(
        "/api/v1/bindings",
        {
            "school_id": w.school_a,
            "student_number": "A0001",
            "student_name": "王小明",
            "relation": "other",
        },
    ),
    ("GET", "/api/v1/schools/{school_id}/bindings/pending"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/bindings/pending"
    ),
    ("GET", "/api/v1/schools/{school_id}/imports/template.xlsx"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/imports/template.xlsx"
    ),
    ("POST", "/api/v1/schools/{school_id}/imports"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/imports",
        files={
            "file": ("roster.csv", "年级,班级,学号,姓名\n4,1,A0100,新同学\n".encode(), "text/csv")
        },
    ),
    ("POST", "/api/v1/terms/{term_id}/enrollments"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/enrollments",
        {"student_id": w.student_1, "course_id": w.course_a},
        headers={"Idempotency-Key": "matrix-attempt-1"},
    ),
    ("GET", "/api/v1/students/{student_id}/enrollments"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/enrollments"
    ),
    ("POST", "/api/v1/terms/{term_id}/arm"): lambda w: Call(f"/api/v1/terms/{w.term_a}/arm"),
    ("GET", "/api/v1/terms/{term_id}/opening"): lambda w: Call(f"/api/v1/terms/{w.term_a}/opening"),
    ("GET", "/admin/opening"): lambda w: Call("/admin/opening", params={"term_id": w.term_a}),
    ("PUT", "/api/v1/terms/{term_id}/opening-mode"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/opening-mode", {"opening": "ranked", "choices_max": 2}
    ),
    ("GET", "/api/v1/terms/{term_id}/draw"): lambda w: Call(f"/api/v1/terms/{w.term_a}/draw"),
    ("POST", "/api/v1/terms/{term_id}/draw"): lambda w: Call(f"/api/v1/terms/{w.term_a}/draw"),
    ("PUT", "/api/v1/terms/{term_id}/draw/entries/{student_id}"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/draw/entries/{w.student_1}", {"course_ids": [w.course_a]}
    ),
    ("GET", "/api/v1/terms/{term_id}/draw/entries/{student_id}"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/draw/entries/{w.student_1}"
    ),
    ("POST", "/api/v1/draw-verifications"): lambda w: Call(
        "/api/v1/draw-verifications",
        {
            "seed": "3f" * 32,
            "commitment": "a1" * 32,
            "scope": "term:1:round:1:ranked",
            "entrants": [1, 2],
            "order": [2, 1],
        },
    ),
    ("POST", "/api/v1/terms/{term_id}/reconcile"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/reconcile"
    ),
    ("POST", "/api/v1/terms/{term_id}/care-applications"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/care-applications", {"student_id": w.student_1}
    ),
    ("GET", "/api/v1/terms/{term_id}/care-applications"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/care-applications"
    ),
    ("GET", "/api/v1/students/{student_id}/care-applications"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/care-applications"
    ),
    ("POST", "/api/v1/care-applications/{application_id}/transitions"): lambda w: Call(
        f"/api/v1/care-applications/{w.care_application}/transitions", {"action": "withdraw"}
    ),
    ("GET", "/api/v1/terms/{term_id}/seats"): lambda w: Call(f"/api/v1/terms/{w.term_a}/seats"),
    ("GET", "/api/v1/terms/{term_id}/seats/stream"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/seats/stream", endless=True
    ),
    ("POST", "/api/v1/terms/{term_id}/seats/stream-tickets"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/seats/stream-tickets"
    ),
    ("POST", "/api/v1/students/{student_id}/calendar-feeds"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/calendar-feeds"
    ),
    ("GET", "/api/v1/students/{student_id}/calendar-feeds"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/calendar-feeds"
    ),
    ("DELETE", "/api/v1/calendar-feeds/{feed_id}"): lambda w: Call(
        f"/api/v1/calendar-feeds/{w.calendar_feed}"
    ),
    ("GET", "/calendar/{token}.ics"): lambda w: Call(f"/calendar/{w.calendar_token}.ics"),
    ("POST", "/api/v1/terms/{term_id}/override-enrollments"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/override-enrollments",
        {"student_id": w.student_1, "course_id": w.course_a, "reason": "补录"},
    ),
    ("POST", "/api/v1/enrollments/{enrollment_id}/move"): lambda w: Call(
        f"/api/v1/enrollments/{w.enrollment_removed}/move",
        {"to_course_id": w.course_a, "reason": "调课"},
    ),
    ("POST", "/api/v1/enrollments/{enrollment_id}/remove"): lambda w: Call(
        f"/api/v1/enrollments/{w.enrollment_removed}/remove", {"reason": "退出"}
    ),
    ("POST", "/api/v1/courses/{course_id}/reopen"): lambda w: Call(
        f"/api/v1/courses/{w.course_a}/reopen", {"reason": "重新开放"}
    ),
    ("GET", "/api/v1/schools/{school_id}/audit-events"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/audit-events"
    ),
    ("POST", "/api/v1/terms/{term_id}/waitlist"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/waitlist", {"student_id": w.student_1, "course_id": w.course_a}
    ),
    ("GET", "/api/v1/courses/{course_id}/waitlist"): lambda w: Call(
        f"/api/v1/courses/{w.course_a}/waitlist"
    ),
    ("POST", "/api/v1/waitlist/{entry_id}/withdraw"): lambda w: Call(
        f"/api/v1/waitlist/{w.waitlist_entry}/withdraw"
    ),
    ("POST", "/api/v1/terms/{term_id}/care-allocation"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/care-allocation", params={"preview": "true"}
    ),
    ("POST", "/api/v1/terms/{term_id}/care-groups"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/care-groups"
    ),
    ("GET", "/api/v1/terms/{term_id}/care-groups"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/care-groups"
    ),
    ("POST", "/api/v1/care-groups/{group_id}/members"): lambda w: Call(
        f"/api/v1/care-groups/{w.care_group}/members", {"student_id": w.student_1, "reason": "x"}
    ),
    ("POST", "/api/v1/terms/{term_id}/publications"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/publications", {"kind": "courses", "title": "公示"}
    ),
    ("GET", "/api/v1/terms/{term_id}/publications"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/publications"
    ),
    ("GET", "/api/v1/publications/{publication_id}"): lambda w: Call(
        f"/api/v1/publications/{w.publication}"
    ),
    ("POST", "/api/v1/publications/{publication_id}/objections"): lambda w: Call(
        f"/api/v1/publications/{w.publication}/objections", {"text": "异议"}
    ),
    ("GET", "/api/v1/publications/{publication_id}/objections"): lambda w: Call(
        f"/api/v1/publications/{w.publication}/objections"
    ),
    ("POST", "/api/v1/objections/{objection_id}/answer"): lambda w: Call(
        f"/api/v1/objections/{w.objection}/answer", {"text": "已核实"}
    ),
    ("POST", "/api/v1/bindings/{binding_id}/review"): lambda w: Call(
        f"/api/v1/bindings/{w.pending_binding}/review", {"approve": True}
    ),
    ("POST", "/api/v1/terms/{term_id}/sessions/generate"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/sessions/generate"
    ),
    ("GET", "/api/v1/terms/{term_id}/sessions"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/sessions", params={"from": "2026-11-01"}
    ),
    ("POST", "/api/v1/sessions/{session_id}/cancel"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/cancel", {"cause": "school", "reason": "停电"}
    ),
    ("GET", "/api/v1/students/{student_id}/sessions"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/sessions"
    ),
    ("GET", "/api/v1/students/{student_id}/sessions.ics"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/sessions.ics"
    ),
    ("PUT", "/api/v1/sessions/{session_id}/attendance"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/attendance",
        {"marks": [{"student_id": w.student_1, "status": "present"}]},
    ),
    ("GET", "/api/v1/sessions/{session_id}/attendance"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/attendance"
    ),
    ("POST", "/api/v1/sessions/{session_id}/pickups"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/pickups",
        {"pickups": [{"student_id": w.student_1, "picked_up_at": "2026-11-23T17:35:00+08:00"}]},
    ),
    ("POST", "/api/v1/sessions/{session_id}/conduct-incidents"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/conduct-incidents",
        {"student_id": w.student_1, "note": "推搡同学"},
    ),
    ("GET", "/api/v1/sessions/{session_id}/conduct-incidents"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/conduct-incidents"
    ),
    ("POST", "/api/v1/sessions/{session_id}/handovers"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/handovers",
        {"from_teacher": "王老师", "children": 1, "handed_over_at": "2026-11-23T15:05:00+08:00"},
    ),
    ("GET", "/api/v1/students/{student_id}/attendance"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/attendance", params={"term_id": w.term_a}
    ),
    ("POST", "/api/v1/students/{student_id}/leave-requests"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/leave-requests",
        {"term_id": w.term_a, "first_day": "2027-01-06", "last_day": "2027-01-06", "reason": "事"},
    ),
    ("GET", "/api/v1/students/{student_id}/leave-requests"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/leave-requests"
    ),
    ("GET", "/api/v1/classes/{class_id}/leave-requests"): lambda w: Call(
        f"/api/v1/classes/{w.class_a301}/leave-requests"
    ),
    ("POST", "/api/v1/leave-requests/{leave_id}/decision"): lambda w: Call(
        f"/api/v1/leave-requests/{w.leave_request}/decision", {"approve": True}
    ),
    ("POST", "/api/v1/leave-requests/{leave_id}/withdraw"): lambda w: Call(
        f"/api/v1/leave-requests/{w.leave_request}/withdraw"
    ),
    ("GET", "/api/v1/terms/{term_id}/policy-steps"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/policy-steps"
    ),
    ("POST", "/api/v1/policy-steps/{step_id}/decision"): lambda w: Call(
        f"/api/v1/policy-steps/{w.dismissal_step}/decision", {"dismiss": False, "reason": "保留"}
    ),
    ("POST", "/api/v1/terms/{term_id}/billing"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/billing"
    ),
    ("POST", "/api/v1/terms/{term_id}/payments"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/payments",
        {"student_id": w.student_1, "amount_fen": 100, "reference": "R-1"},
    ),
    ("POST", "/api/v1/terms/{term_id}/settlement"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/settlement", {}
    ),
    ("GET", "/api/v1/students/{student_id}/statement"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/statement", params={"term_id": w.term_a}
    ),
    ("GET", "/api/v1/terms/{term_id}/statements"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/statements"
    ),
    ("POST", "/api/v1/terms/{term_id}/fee-summary/co-signatures"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/fee-summary/co-signatures", {"note": "账目无误"}
    ),
    ("GET", "/api/v1/terms/{term_id}/fee-summary"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/fee-summary"
    ),
    ("GET", "/api/v1/terms/{term_id}/workload"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/workload"
    ),
    ("POST", "/api/v1/schools/{school_id}/duty-records"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/duty-records",
        {"kind": "activity", "on_date": "2026-11-23", "note": "阅读分享会"},
    ),
    ("GET", "/api/v1/schools/{school_id}/duty-records"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/duty-records"
    ),
    ("POST", "/api/v1/schools/{school_id}/feedback"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/feedback", {"body": "感谢老师"}
    ),
    ("GET", "/api/v1/schools/{school_id}/feedback"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/feedback"
    ),
    ("POST", "/api/v1/feedback/{feedback_id}/answer"): lambda w: Call(
        f"/api/v1/feedback/{w.feedback}/answer", {"text": "谢谢"}
    ),
    ("GET", "/api/v1/courses/{course_id}/roster.xlsx"): lambda w: Call(
        f"/api/v1/courses/{w.course_a}/roster.xlsx"
    ),
    ("GET", "/api/v1/care-groups/{group_id}/roster.xlsx"): lambda w: Call(
        f"/api/v1/care-groups/{w.care_group}/roster.xlsx"
    ),
    ("GET", "/api/v1/sessions/{session_id}/sign-in-sheet.xlsx"): lambda w: Call(
        f"/api/v1/sessions/{w.care_session}/sign-in-sheet.xlsx"
    ),
    ("GET", "/api/v1/terms/{term_id}/attendance.xlsx"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/attendance.xlsx"
    ),
    ("GET", "/api/v1/terms/{term_id}/statements.xlsx"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/statements.xlsx"
    ),
    ("GET", "/api/v1/terms/{term_id}/workload.xlsx"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/workload.xlsx"
    ),
    ("POST", "/api/v1/students/{student_id}/exit-requests"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/exit-requests",
        {"term_id": w.term_a, "reason": "不再需要托管"},
    ),
    ("GET", "/api/v1/students/{student_id}/exit-requests"): lambda w: Call(
        f"/api/v1/students/{w.student_1}/exit-requests"
    ),
    ("GET", "/api/v1/terms/{term_id}/exit-requests"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/exit-requests"
    ),
    ("POST", "/api/v1/exit-requests/{request_id}/decision"): lambda w: Call(
        f"/api/v1/exit-requests/{w.exit_request}/decision", {"approve": False, "reason": "请坚持"}
    ),
    ("POST", "/api/v1/exit-requests/{request_id}/withdraw"): lambda w: Call(
        f"/api/v1/exit-requests/{w.exit_request}/withdraw"
    ),
    ("POST", "/api/v1/schools/{school_id}/clearing-checks"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/clearing-checks",
        {"on_date": "2026-11-23", "all_groups_dismissed": True, "rooms_checked": True},
    ),
    ("GET", "/api/v1/schools/{school_id}/duty-report"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/duty-report",
        params={"from": "2026-11-01", "to": "2026-11-30"},
    ),
    ("POST", "/api/v1/schools/{school_id}/outside-staff"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/outside-staff",
        {"kind": "volunteer", "name": "志愿者", "phone": "13600136000"},
    ),
    ("GET", "/api/v1/schools/{school_id}/outside-staff"): lambda w: Call(
        f"/api/v1/schools/{w.school_a}/outside-staff"
    ),
    ("POST", "/api/v1/outside-staff/{outside_id}/vetting"): lambda w: Call(
        f"/api/v1/outside-staff/{w.outside_staff}/vetting", {"approve": True}
    ),
    ("POST", "/api/v1/outside-staff/{outside_id}/agreement"): lambda w: Call(
        f"/api/v1/outside-staff/{w.outside_staff}/agreement",
        {
            "signed_on": "2026-09-01",
            "school_party": "学校",
            "parent_party": "家长代表",
            "person_party": "本人",
        },
    ),
    ("POST", "/api/v1/terms/{term_id}/export-jobs"): lambda w: Call(
        f"/api/v1/terms/{w.term_a}/export-jobs", {"kind": "statements"}
    ),
    ("GET", "/api/v1/export-jobs/{job_id}"): lambda w: Call(f"/api/v1/export-jobs/{w.export_job}"),
    ("GET", "/api/v1/export-jobs/{job_id}/file"): lambda w: Call(
        f"/api/v1/export-jobs/{w.export_job}/file"
    ),
}
