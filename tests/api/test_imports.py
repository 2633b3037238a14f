"""Roster import through the API: dry run, all-or-nothing commit, Excel and CSV (UTF-8 and GBK)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence

import httpx
from fastapi import FastAPI
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from app.api.body_limit import MAX_BODY_BYTES
from app.domain.roster import MAX_ROWS
from app.models import AuditEvent, Guardianship, SchoolClass, Student, User
from app.resources import Resources
from app.services.imports import MAX_REPORTED_ERRORS, MAX_UNPACKED_BYTES
from tests.support.workbooks import million_bad_rows, repeated_rows, row_xml, xlsx_of_rows
from tests.support.world import World

HEADERS = ["年级", "班级", "学号", "姓名", "监护人姓名", "监护人电话", "关系", "随迁子女"]
GOOD = [
    [4, 1, "A0101", "陈一", "陈爸爸", "13700000001", "父亲", "是"],
    [4, 1, "A0102", "陈二", "陈爸爸", "13700000001", "父亲", "否"],  # siblings, one guardian
    [4, 2, "A0103", "林三", "林妈妈", "13700000003", "母亲", ""],
    [3, 1, "A0104", "周四", "", "", "", ""],  # class 301 exists already
]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    lines = [",".join(HEADERS)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


async def upload(
    client: httpx.AsyncClient, world: World, name: str, content: bytes, dry_run: bool
) -> httpx.Response:
    return await client.post(
        f"/api/v1/schools/{world.school_a}/imports",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, content, "application/octet-stream")},
        headers=world.auth("admin-a"),
    )


async def _student_count(client: httpx.AsyncClient, world: World) -> int:
    listing = await client.get(
        f"/api/v1/schools/{world.school_a}/students", headers=world.auth("admin-a")
    )
    return int(listing.json()["total"])


async def test_dry_run_then_commit_of_an_xlsx(client: httpx.AsyncClient, world: World) -> None:
    content = xlsx(GOOD)
    dry = await upload(client, world, "名单.xlsx", content, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json() | {"errors": []} == {
        "dry_run": True, "valid": True, "rows": 4, "classes_created": 2, "students_created": 4,
        "students_updated": 0, "students_unchanged": 0, "students_not_in_file": 2,
        "guardians_created": 2, "bindings_created": 3, "guardians_added_beside": 0,
        "added_beside": [], "new_classes": ["4年级1班", "4年级2班"], "updated": [],
        "not_in_file": ["A0001", "A0002"], "errors": [], "error_count": 0,
    }  # fmt: skip
    assert await _student_count(client, world) == 2
    committed = await upload(client, world, "名单.xlsx", content, dry_run=False)
    assert committed.status_code == 200, committed.text
    assert await _student_count(client, world) == 6
    students = await client.get(
        f"/api/v1/schools/{world.school_a}/students",
        params={"grade": 4},
        headers=world.auth("admin-a"),
    )
    chen = next(s for s in students.json()["items"] if s["student_number"] == "A0101")
    assert chen["class_name"] == "四年级1班"
    assert chen["priority"]["migrant_worker_child"] is True
    # The same file again changes nothing: every student is there, as the file says.
    again = (await upload(client, world, "名单.xlsx", content, dry_run=True)).json()
    assert (again["valid"], again["students_created"], again["students_updated"]) == (True, 0, 0)
    assert (again["students_unchanged"], again["bindings_created"]) == (4, 0)


async def test_a_file_with_any_bad_row_imports_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    rows = [
        *GOOD,
        [9, 1, "A0105", "错年级", "", "", "", ""],
        [4, 1, "A0101", "重复学号", "", "", "", ""],
    ]
    dry = await upload(client, world, "roster.csv", csv_bytes(rows), dry_run=True)
    assert dry.json()["valid"] is False
    assert [(e["row"], e["column"]) for e in dry.json()["errors"]] == [(6, "年级"), (7, "学号")]
    refused = await upload(client, world, "roster.csv", csv_bytes(rows), dry_run=False)
    assert refused.status_code == 422
    assert refused.json()["slug"] == "import-invalid"
    assert len(refused.json()["errors"]) == 2
    assert await _student_count(client, world) == 2


async def test_a_gbk_csv_from_excel_on_windows(client: httpx.AsyncClient, world: World) -> None:
    committed = await upload(client, world, "名单.csv", csv_bytes(GOOD, "gbk"), dry_run=False)
    assert committed.status_code == 200, committed.text
    assert committed.json()["students_created"] == 4


async def test_unreadable_files_are_422(client: httpx.AsyncClient, world: World) -> None:
    assert (
        await upload(client, world, "roster.xlsx", b"not a zip", dry_run=True)
    ).status_code == 422
    assert (await upload(client, world, "roster.pdf", b"%PDF", dry_run=True)).status_code == 422
    missing = await upload(client, world, "r.csv", "姓名,学号\n甲,1\n".encode(), dry_run=True)
    assert {e["column"] for e in missing.json()["errors"]} == {"表头", "班级"}


async def test_a_million_row_file_is_refused_once_as_too_large(
    client: httpx.AsyncClient, world: World
) -> None:
    content = million_bad_rows()
    assert len(content) < 1024 * 1024
    for dry_run in (True, False):
        refused = await upload(client, world, "名单.xlsx", content, dry_run=dry_run)
        assert refused.status_code == 413, refused.text[:300]
        assert refused.headers["content-type"] == "application/problem+json"
        problem = refused.json()
        assert problem["slug"] == "import-too-large"
        assert problem["max_rows"] == MAX_ROWS
        assert f"more than {MAX_ROWS} rows" in problem["detail"]
        assert "errors" not in problem
    assert await _student_count(client, world) == 2


async def test_rows_past_the_limit_are_never_read(client: httpx.AsyncClient, world: World) -> None:
    """The sheet breaks off after the limit: a reader that went on (or scanned the whole sheet
    for its size first) would find it unreadable; one that stops at the limit never sees it."""
    content = xlsx_of_rows(
        [row_xml(HEADERS[:4]), *repeated_rows(row_xml([4, 1, "X", "Y"]), MAX_ROWS + 1000)],
        tail=b"<row><c><v>not a sheet any more",
    )
    refused = await upload(client, world, "名单.xlsx", content, dry_run=True)
    assert refused.status_code == 413, refused.text[:300]
    assert refused.json()["slug"] == "import-too-large"


async def test_a_file_that_unpacks_too_large_is_refused_unread(
    client: httpx.AsyncClient, world: World
) -> None:
    padding = b"<row/>" * (MAX_UNPACKED_BYTES // 6 + 1)
    content = xlsx_of_rows([row_xml(HEADERS[:4]), padding])
    refused = await upload(client, world, "名单.xlsx", content, dry_run=True)
    assert refused.status_code == 413, refused.text[:300]
    assert refused.json()["slug"] == "import-too-large"
    assert refused.json()["max_unpacked_bytes"] == MAX_UNPACKED_BYTES


async def test_a_stated_sheet_size_does_not_widen_the_rows(
    client: httpx.AsyncClient, world: World
) -> None:
    """Sheets of some exporters claim the whole grid: only the cells present are read."""
    content = xlsx_of_rows(
        [row_xml(HEADERS), *(row_xml(row) for row in GOOD)], dimension="A1:XFD1048576"
    )
    dry = await upload(client, world, "名单.xlsx", content, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["valid"], dry.json()["rows"]) == (True, 4)


async def test_the_first_hundred_problems_are_listed_and_all_counted(
    client: httpx.AsyncClient, world: World
) -> None:
    bad = [[9, 1, f"B{n:04d}", "错年级"] for n in range(250)]
    content = csv_bytes([*GOOD, *bad])
    dry = await upload(client, world, "roster.csv", content, dry_run=True)
    assert dry.status_code == 200
    report = dry.json()
    assert (report["valid"], report["rows"], report["error_count"]) == (False, 254, 250)
    assert len(report["errors"]) == MAX_REPORTED_ERRORS
    assert [e["row"] for e in report["errors"]] == list(range(6, 6 + MAX_REPORTED_ERRORS))
    refused = await upload(client, world, "roster.csv", content, dry_run=False)
    assert refused.status_code == 422
    assert refused.json()["slug"] == "import-invalid"
    assert refused.json()["error_count"] == 250
    assert len(refused.json()["errors"]) == MAX_REPORTED_ERRORS
    assert await _student_count(client, world) == 2


async def test_a_body_over_the_limit_is_refused_as_it_arrives(
    client: httpx.AsyncClient, world: World
) -> None:
    refused = await upload(client, world, "roster.csv", b"0" * MAX_BODY_BYTES, dry_run=True)
    assert refused.status_code == 413
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["slug"] == "payload-too-large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n\r\n'
        for _ in range(MAX_BODY_BYTES // 2**20 + 1):
            yield b"0" * 2**20

    streamed = await client.post(
        f"/api/v1/schools/{world.school_a}/imports",
        content=chunks(),
        headers={**world.auth("admin-a"), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert streamed.status_code == 413
    assert streamed.json()["slug"] == "payload-too-large"


def realistic_export(students: Sequence[Sequence[object]]) -> bytes:
    """As a 学籍 system's export looks: a title and a date above the header, the grade in the
    class label, full-width digits and brackets, phones with +86 and dashes."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["溪尾中心小学 2026学年 学生花名册"])
    sheet.append(["导出日期:2026年9月1日"])
    sheet.append(["序号", "班级", "学号", "学生姓名", "家长姓名", "家长电话", "关系"])
    for number, row in enumerate(students, start=1):
        sheet.append([number, *row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ROSTER = [
    ["三（2）班", "２０２６０３０１", "王小明", "王芳", "+86 138-0013-8001", "母亲"],
    ["3年级2班", "20260302", "王小红", "王芳", "13800138001", "母亲"],  # a sibling: one guardian
    ["四年级(1)班", "20260401", "李雷", "李强", "139 0013 9002", "父亲"],
]


async def test_a_realistic_export_imports_and_a_second_import_updates(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    dry = await upload(client, world, "花名册.xlsx", realistic_export(ROSTER), dry_run=True)
    assert dry.status_code == 200, dry.text
    assert dry.json()["valid"], dry.json()["errors"]
    first = (await upload(client, world, "花名册.xlsx", realistic_export(ROSTER), False)).json()
    assert (first["students_created"], first["guardians_created"], first["bindings_created"]) == (
        3, 2, 3,
    )  # fmt: skip
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session, session.begin():
        # A flag the school set since: the export has no such column, so it must stay.
        await session.execute(
            update(Student).where(Student.student_number == "20260301").values(left_behind=True)
        )
    # The next term's export: one renamed and moved, one new, one left out.
    again = [
        ["三(2)班", "20260301", "王小明", "王芳", "13800138001", "母亲"],
        ["三(1)班", "20260302", "王晓红", "王芳", "+8613800138001", "母亲"],
        ["四(1)班", "20260402", "韩梅梅", "韩军", "13700137003", "父亲"],
    ]
    preview = (await upload(client, world, "花名册.xlsx", realistic_export(again), True)).json()
    counts = {k: preview[k] for k in ("students_created", "students_updated",
                                      "students_unchanged", "students_not_in_file")}  # fmt: skip
    assert counts["students_created"] == 1
    assert counts["students_updated"] == 1
    assert counts["students_unchanged"] == 1
    assert preview["updated"] == ["20260302"]
    assert preview["new_classes"] == []  # 3(1) is a class of the school already
    assert "20260401" in preview["not_in_file"]
    assert preview["bindings_created"] == 1  # the new child only: the others are bound already
    done = await upload(client, world, "花名册.xlsx", realistic_export(again), False)
    assert done.status_code == 200, done.text
    async with resources.sessionmaker() as session:
        unchanged = await session.scalar(
            select(Student).where(Student.student_number == "20260301")
        )
        assert unchanged is not None
        assert unchanged.left_behind is True
        renamed = await session.scalar(select(Student).where(Student.student_number == "20260302"))
        assert renamed is not None
        assert renamed.name == "王晓红"
        moved_to = await session.get(SchoolClass, renamed.class_id)
        assert moved_to is not None
        assert (moved_to.grade, moved_to.number) == (3, 1)
        kept = await session.scalar(select(Student).where(Student.student_number == "20260401"))
        assert kept is not None  # not in the file: left as it was
        phones = set(await session.scalars(select(User.phone).where(User.phone.like("+86%"))))
        assert {"+8613800138001", "+8613900139002", "+8613700137003"} <= phones
        mother = await session.scalar(select(User).where(User.phone == "+8613800138001"))
        assert mother is not None
        children = await session.scalars(
            select(Guardianship.student_id).where(Guardianship.user_id == mother.id)
        )
        assert len(list(children)) == 2  # both siblings, under one account
        logged = await session.scalar(
            select(func.count()).where(
                AuditEvent.school_id == world.school_a, AuditEvent.action == "roster-import"
            )
        )
        assert logged == 2


async def test_a_new_number_for_a_bound_child_adds_a_guardian_and_says_so(
    client: httpx.AsyncClient, app: FastAPI, world: World
) -> None:
    """The next export gives 李雷 his mother's number instead of his father's: the school is
    told (a number typed wrong, or a second guardian), and neither guardian is taken away."""
    assert (await upload(client, world, "r.xlsx", realistic_export(ROSTER), False)).is_success
    again = [*ROSTER[:2], ["四年级(1)班", "20260401", "李雷", "韩丽", "13600136004", "母亲"]]
    preview = (await upload(client, world, "r.xlsx", realistic_export(again), True)).json()
    assert (preview["bindings_created"], preview["guardians_added_beside"]) == (1, 1)
    assert preview["added_beside"] == ["20260401"]
    assert preview["students_unchanged"] == 3
    done = (await upload(client, world, "r.xlsx", realistic_export(again), False)).json()
    assert done["added_beside"] == ["20260401"]
    resources: Resources = app.state.resources
    async with resources.sessionmaker() as session:
        phones = await session.scalars(
            select(User.phone)
            .join(Guardianship, Guardianship.user_id == User.id)
            .join(Student, Student.id == Guardianship.student_id)
            .where(Student.student_number == "20260401")
        )
        assert set(phones) == {"+8613900139002", "+8613600136004"}
    third = (await upload(client, world, "r.xlsx", realistic_export(again), True)).json()
    assert (third["bindings_created"], third["guardians_added_beside"]) == (0, 0)


async def test_an_xls_file_is_answered_with_what_to_do(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await upload(client, world, "名单.xls", b"\xd0\xcf\x11\xe0 old excel", True)
    assert response.status_code == 422
    assert "另存为" in response.json()["detail"]
    assert ".xlsx" in response.json()["detail"]


async def test_the_template_downloads_and_imports_as_it_is(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        f"/api/v1/schools/{world.school_a}/imports/template.xlsx", headers=world.auth("admin-a")
    )
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet is not None
    assert [c.value for c in sheet[1]][:4] == ["年级", "班级", "学号", "姓名"]
    assert len(sheet.data_validations.dataValidation) == 6
    example = load_workbook(io.BytesIO(response.content))["示例"]
    assert [c.value for c in example[2]][:4] == ["三年级", "三(2)班", "20230201", "王小明"]
    checked = await upload(client, world, "模板.xlsx", response.content, dry_run=True)
    assert checked.json()["valid"], checked.json()["errors"]
    assert checked.json()["students_created"] == 0  # the example is never imported
