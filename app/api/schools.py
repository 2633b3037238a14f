"""Schools, their classes and staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import Page, RowId
from app.api.schemas.schools import (
    ClassIn,
    ClassOut,
    ClassUpdate,
    SchoolOut,
    SchoolUpdate,
    StaffIn,
    StaffOut,
)
from app.models import User
from app.services import schools

router = APIRouter(prefix=API_PREFIX, tags=["schools"])


@router.get(
    "/schools/{school_id}",
    operation_id="getSchool",
    summary="A school · 学校",
    description="For the school's staff and families. 本校教职工与家长可见。",
    response_model=SchoolOut,
    responses=READ_ERRORS,
)
async def get_school(school_id: RowId, session: SessionDep, actor: CurrentUser) -> SchoolOut:
    return SchoolOut.model_validate(await schools.get_school(session, actor.principal, school_id))


@router.patch(
    "/schools/{school_id}",
    operation_id="updateSchool",
    summary="Update a school · 修改学校信息",
    description=(
        "A district administrator changes a school's name or code. Send the `version` you "
        "read; fields left out keep their value.\n\n区管理员修改学校名称或代码;需提交读取时的 "
        "`version`,未提交的字段保持不变。"
    ),
    response_model=SchoolOut,
    responses=WRITE_ERRORS,
)
async def update_school(
    school_id: RowId, body: SchoolUpdate, session: SessionDep, actor: CurrentUser
) -> SchoolOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    school = await schools.update_school(session, actor.principal, school_id, changes, body.version)
    return SchoolOut.model_validate(school)


@router.get(
    "/schools/{school_id}/classes",
    operation_id="listClasses",
    summary="Classes of a school · 班级列表",
    description=(
        "The school's classes with their class teachers, for its staff.\n\n本校教职工查看班级及"
        "班主任。"
    ),
    response_model=Page[ClassOut],
    responses=READ_ERRORS,
)
async def list_classes(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    grade: Annotated[int | None, Query(ge=1, le=6)] = None,
) -> Page[ClassOut]:
    rows, total = await schools.list_classes(
        session, actor.principal, school_id, grade, paging.page, paging.size
    )
    return Page(
        items=[ClassOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/schools/{school_id}/classes",
    operation_id="createClass",
    summary="Add a class · 新增班级",
    description=(
        "A school administrator adds a class, optionally naming its class teacher.\n\n学校管理"
        "员新增班级,可同时指定班主任。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ClassOut,
    responses=WRITE_ERRORS,
)
async def create_class(
    school_id: RowId, body: ClassIn, session: SessionDep, actor: CurrentUser
) -> ClassOut:
    school_class = await schools.create_class(
        session, actor.principal, school_id, body.grade, body.number, body.class_teacher_id
    )
    return ClassOut.model_validate(school_class)


@router.patch(
    "/classes/{class_id}",
    operation_id="updateClass",
    summary="Update a class · 修改班级(班主任)",
    description=(
        "A school administrator names or clears the class teacher. Send the `version` you "
        "read.\n\n学校管理员指定或取消班主任;需提交读取时的 `version`。"
    ),
    response_model=ClassOut,
    responses=WRITE_ERRORS,
)
async def update_class(
    class_id: RowId, body: ClassUpdate, session: SessionDep, actor: CurrentUser
) -> ClassOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    school_class = await schools.update_class(
        session, actor.principal, class_id, changes, body.version
    )
    return ClassOut.model_validate(school_class)


@router.get(
    "/schools/{school_id}/staff",
    operation_id="listStaff",
    summary="Staff of a school · 教职工与角色",
    description=(
        "The school's staff roles (class teacher, care teacher, course teacher, duty leader, "
        "administrator), for its administrators.\n\n学校管理员查看本校教职工及其角色。"
    ),
    response_model=Page[StaffOut],
    responses=READ_ERRORS,
)
async def list_staff(
    school_id: RowId, session: SessionDep, actor: CurrentUser, paging: PageDep
) -> Page[StaffOut]:
    rows, total = await schools.list_staff(
        session, actor.principal, school_id, paging.page, paging.size
    )
    return Page(
        items=[StaffOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/schools/{school_id}/staff",
    operation_id="grantStaffRole",
    summary="Grant a staff role · 添加教职工角色",
    description=(
        "Give a person a role at the school: class teacher, care teacher, external teacher, duty "
        "leader or school administrator. Name the person by their DingTalk userid or phone (an "
        "existing account, 409 when several share the phone), create one with `new_user`, or give "
        "`user_id` of a person of the district (a role or a bound child in it). A person of "
        "another district, or an id of no one here, is 404.\n\n"
        "为教职工授予本校角色:班主任、托管教师、外聘教师、值日领导或学校管理员。按钉钉 userid 或手机号"
        "指定已有用户,或以 `new_user` 新建;`user_id` 仅限本区用户。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=StaffOut,
    responses=WRITE_ERRORS,
)
async def add_staff(
    school_id: RowId, body: StaffIn, session: SessionDep, actor: CurrentUser
) -> StaffOut:
    new_user = User(**body.new_user.model_dump()) if body.new_user else None
    person = schools.StaffPerson(body.user_id, body.dingtalk_user_id, body.phone, new_user)
    grant = await schools.add_staff(session, actor.principal, school_id, body.role, person)
    return StaffOut.model_validate(grant)


@router.delete(
    "/staff/{grant_id}",
    operation_id="revokeStaffRole",
    summary="Remove a staff role · 移除教职工角色",
    description=(
        "A school administrator removes a staff role; its powers end at once (a class "
        "teacher's classes lose their class teacher).\n\n学校管理员移除教职工角色,权限立即失效("
        "班主任所带班级同时取消班主任)。"
    ),
    status_code=status.HTTP_204_NO_CONTENT,
    responses=WRITE_ERRORS,
)
async def remove_staff(grant_id: RowId, session: SessionDep, actor: CurrentUser) -> None:
    await schools.remove_staff(session, actor.principal, grant_id)
