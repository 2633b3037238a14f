"""Students, and what their families do for them: agreements, insurance, readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.bindings import BindingOut
from app.api.schemas.students import (
    AgreementIn,
    AgreementOut,
    BindingCodeOut,
    GuardianIn,
    GuardianOut,
    InsuranceIn,
    InsuranceOut,
    PriorityFlags,
    ReadinessOut,
    StudentIn,
    StudentOut,
    StudentUpdate,
)
from app.models import User
from app.services import bindings, students
from app.services.students import StudentView

router = APIRouter(prefix=API_PREFIX, tags=["students"])


def student_out(view: StudentView) -> StudentOut:
    student, school_class = view.student, view.school_class
    priority = None
    if view.sensitive_visible:
        priority = PriorityFlags(
            migrant_worker_child=student.migrant_worker_child,
            single_parent=student.single_parent,
            left_behind=student.left_behind,
            low_income=student.low_income,
        )
    return StudentOut(
        id=student.id,
        school_id=student.school_id,
        class_id=student.class_id,
        class_name=school_class.name,
        grade=school_class.grade,
        name=student.name,
        student_number=student.student_number,
        version=student.version,
        priority=priority,
    )


@router.get(
    "/schools/{school_id}/students",
    operation_id="listStudents",
    summary="Students of a school · 学生名单",
    description=(
        "For the school's staff. Priority-group flags appear only for administrators and the "
        "student's class teacher.\n\n本校教职工可见;优先保障信息仅学校管理员与班主任可见。"
    ),
    response_model=Page[StudentOut],
    responses=READ_ERRORS,
)
async def list_students(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    class_id: Annotated[RowId | None, Query(ge=1)] = None,
    grade: Annotated[int | None, Query(ge=1, le=6)] = None,
) -> Page[StudentOut]:
    views, total = await students.list_students(
        session, actor.principal, school_id, class_id, grade, paging.page, paging.size
    )
    return Page(
        items=[student_out(v) for v in views], total=total, page=paging.page, size=paging.size
    )


@router.post(
    "/schools/{school_id}/students",
    operation_id="createStudent",
    summary="Add a student · 新增学生",
    description=(
        "A school administrator adds a student to a class (学籍). Priority-group flags are "
        "visible only to administrators and the class teacher.\n\n学校管理员新增学生;优先保障标"
        "记仅管理员与班主任可见。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=StudentOut,
    responses=WRITE_ERRORS,
)
async def create_student(
    school_id: RowId, body: StudentIn, session: SessionDep, actor: CurrentUser
) -> StudentOut:
    return student_out(
        await students.create_student(session, actor.principal, school_id, body.model_dump())
    )


@router.get(
    "/students/{student_id}",
    operation_id="getStudent",
    summary="A student · 学生详情",
    description=(
        "A parent sees only their own children (403 `not-your-child`). 家长仅可查看已绑定的孩子。"
    ),
    response_model=StudentOut,
    responses=READ_ERRORS,
)
async def get_student(student_id: RowId, session: SessionDep, actor: CurrentUser) -> StudentOut:
    return student_out(await students.get_student(session, actor.principal, student_id))


@router.patch(
    "/students/{student_id}",
    operation_id="updateStudent",
    summary="Update a student · 修改学生信息",
    description=(
        "A school administrator changes a student's name, class or priority-group flags. Send "
        "the `version` you read; fields left out keep their value.\n\n学校管理员修改学生信息;需"
        "提交读取时的 `version`,未提交的字段保持不变。"
    ),
    response_model=StudentOut,
    responses=WRITE_ERRORS,
)
async def update_student(
    student_id: RowId, body: StudentUpdate, session: SessionDep, actor: CurrentUser
) -> StudentOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return student_out(
        await students.update_student(session, actor.principal, student_id, changes, body.version)
    )


@router.post(
    "/students/{student_id}/guardians",
    operation_id="addGuardian",
    summary="Record a guardian · 登记监护人",
    description=(
        "School administrators record a guardian; the binding is confirmed. 学校管理员登记监护"
        "人并直接绑定。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=BindingOut,
    responses=WRITE_ERRORS,
)
async def add_guardian(
    student_id: RowId,
    body: GuardianIn,
    session: SessionDep,
    actor: CurrentUser,
) -> BindingOut:
    guardian = User(**body.guardian.model_dump(), id_number=body.id_number)
    binding = await students.add_guardian(
        session, actor.principal, student_id, guardian, body.relation
    )
    return BindingOut.model_validate(binding)


@router.get(
    "/students/{student_id}/guardians",
    operation_id="listGuardians",
    summary="A child's guardians · 监护人",
    description=(
        "Families see names and relations; phone numbers only the class teacher and administrators; "
        "the ID number, masked, administrators alone.\n\n"
        "家长可见姓名与关系;电话仅班主任与管理员可见;身份证号(脱敏)仅管理员可见。"
    ),
    response_model=list[GuardianOut],
    responses=READ_ERRORS,
)
async def list_guardians(
    student_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[GuardianOut]:
    views = await students.list_guardians(session, actor.principal, student_id)
    return [
        GuardianOut(
            binding_id=v.binding.id,
            user_id=v.user.id,
            name=v.user.name,
            relation=v.binding.relation,
            status=v.binding.status,
            phone=v.user.phone if v.show_contact else None,
            id_number_masked=mask_id_number(v.user.id_number) if v.show_identity else None,
        )
        for v in views
    ]


def mask_id_number(id_number: str | None) -> str | None:
    if not id_number:
        return None
    return "*" * (len(id_number) - 4) + id_number[-4:]


@router.post(
    "/students/{student_id}/binding-codes",
    operation_id="issueBindingCode",
    summary="Issue a binding code · 生成绑定码",
    description=(
        "A one-use code (30 days) a family enters to bind the child. 家长凭绑定码(30 天内一次有"
        "效)绑定孩子。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=BindingCodeOut,
    responses=WRITE_ERRORS,
)
async def issue_binding_code(
    student_id: RowId, session: SessionDep, actor: CurrentUser
) -> BindingCodeOut:
    return BindingCodeOut.model_validate(
        await bindings.issue_binding_code(session, actor.principal, student_id)
    )


@router.post(
    "/students/{student_id}/agreements",
    operation_id="signAgreement",
    summary="Sign the service agreement · 签署托管协议",
    description=(
        "A guardian signs the term's service agreement (托管协议) for their child, one of the "
        "gates of the grab.\n\n家长为孩子签署本学期托管协议(报名前置条件之一)。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=AgreementOut,
    responses=WRITE_ERRORS,
)
async def sign_agreement(
    student_id: RowId,
    body: AgreementIn,
    session: SessionDep,
    actor: CurrentUser,
) -> AgreementOut:
    agreement = await students.sign_agreement(
        session, actor.principal, student_id, body.term_id, body.agreement_version
    )
    return AgreementOut.model_validate(agreement)


@router.post(
    "/students/{student_id}/insurance",
    operation_id="recordInsurance",
    summary="Record accident insurance · 登记学平险",
    description="It must cover the whole term for the child to register. 须覆盖整个学期方可报名。",
    status_code=status.HTTP_201_CREATED,
    response_model=InsuranceOut,
    responses=WRITE_ERRORS,
)
async def record_insurance(
    student_id: RowId,
    body: InsuranceIn,
    session: SessionDep,
    actor: CurrentUser,
) -> InsuranceOut:
    insurance = await students.record_insurance(
        session, actor.principal, student_id, body.model_dump()
    )
    return InsuranceOut.model_validate(insurance)


@router.get(
    "/students/{student_id}/readiness",
    operation_id="getReadinessForTerm",
    summary="Ready to register? · 报名条件检查",
    description=(
        "Whether the child passes the gates for a term: bound to a guardian, agreement signed, "
        "insurance covering the term.\n\n检查是否已绑定、已签协议、学平险覆盖整个学期。"
    ),
    response_model=ReadinessOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def readiness(
    student_id: RowId,
    term_id: Annotated[RowId, Query(ge=1)],
    session: SessionDep,
    actor: CurrentUser,
) -> ReadinessOut:
    report = await students.readiness(session, actor.principal, student_id, term_id)
    return ReadinessOut(
        student_id=student_id, term_id=term_id, ready=not report.missing, missing=report.missing
    )
