"""The OpenAPI document's sections, in the order a school reads them, with what each is for."""

from __future__ import annotations

from typing import Any

_TAGS = (
    ("operations", "Health, readiness and metrics for operators. 运维:健康检查与指标。"),
    ("auth", "Sign-in with DingTalk, tokens, the caller. 钉钉登录与令牌。"),
    (
        "districts",
        "A district's schools and holiday calendar corrections. 教育局:学校与节假日调整。",
    ),
    ("schools", "Schools, classes and staff. 学校、班级与教职工。"),
    (
        "terms",
        "Terms, their windows, timetables and suspension days. 学期、报名窗口、作息与停课日。",
    ),
    ("courses", "Extension courses and basic care offerings. 拓展课程与基础托管。"),
    ("students", "Students, guardians, agreements, insurance. 学生、监护人、协议与保险。"),
    ("bindings", "Binding a child to a parent's account. 家长绑定孩子。"),
    ("imports", "Roster import from Excel. 学生名单导入。"),
    ("enrollments", "The grab (抢课), seats and the reconciler. 抢课、名额与撤班/开班。"),
    ("basic care", "Basic care applications, review and approval. 基础托管申请与审核。"),
    ("publication", "Care groups (编班) and publications (公示) with objections. 编班与公示。"),
    ("waitlist", "Waiting for a seat in a full course. 候补。"),
    ("overrides", "Administrators' overrides and the audit log. 管理员调整与审计日志。"),
    (
        "sessions",
        "The term's sessions from the calendar; cancellations; calendar feed. 课次与课表。",
    ),
    ("attendance", "Roll call, pickups and handovers. 点名签到、接送与交接。"),
    ("leave", "Leave requests and the attendance policies. 请假与考勤规定。"),
    ("fees", "Billing, payments, settlement (多还少补) and statements. 收费、缴费、结算与明细。"),
    (
        "workload and feedback",
        "Teachers' workload, duty records, parents' feedback. 工作量、巡查与家长留言。",
    ),
    ("exports", "Spreadsheets: rosters, sign-in sheets, attendance, statements. Excel 导出。"),
)


def openapi_tags() -> list[dict[str, Any]]:
    return [{"name": name, "description": description} for name, description in _TAGS]
