"""Errors the rules raise. They say what went wrong in the school's terms and carry no HTTP.

`slug` is the stable identifier a front end switches on; `app.api.problems` maps each slug to a
status code in one table.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    slug: ClassVar[str] = "domain-error"
    title_zh: ClassVar[str] = "请求无法完成"
    title_en: ClassVar[str] = "The request cannot be completed"

    def __init__(self, detail: str = "", **extensions: object) -> None:
        super().__init__(detail or self.title_en)
        self.detail = detail or self.title_en
        self.extensions = extensions


class NotFound(DomainError):
    slug = "not-found"
    title_zh = "找不到该对象"
    title_en = "Not found"


class PermissionDenied(DomainError):
    slug = "forbidden"
    title_zh = "无权执行此操作"
    title_en = "You may not do this"


class NotYourChild(PermissionDenied):
    slug = "not-your-child"
    title_zh = "只能为已绑定的孩子办理"
    title_en = "You may act only for children bound to your account"


class Conflict(DomainError):
    slug = "conflict"
    title_zh = "与当前状态冲突"
    title_en = "Conflicts with the current state"


class TooManyPendingBindings(Conflict):
    slug = "too-many-pending-bindings"
    title_zh = "待审核的绑定申请过多,请等待班主任审核"
    title_en = "Too many binding requests are waiting for review"


class StaleVersion(Conflict):
    slug = "stale-version"
    title_zh = "数据已被他人修改,请刷新后重试"
    title_en = "Changed by someone else since you read it; reload and try again"


class RuleViolation(DomainError):
    slug = "rule-violation"
    title_zh = "不符合托管规定"
    title_en = "Breaks a rule of the programme"


class ImportInvalid(RuleViolation):
    slug = "import-invalid"
    title_zh = "导入文件有误,未导入任何数据"
    title_en = "The file has errors; nothing was imported"


class ImportTooLarge(RuleViolation):
    slug = "import-too-large"
    title_zh = "导入文件超出上限,未导入任何数据"
    title_en = "The file is over the import limit; nothing was imported"


class AuthenticationFailed(DomainError):
    slug = "unauthenticated"
    title_zh = "登录失败或登录已过期,请重新登录"
    title_en = "Not signed in, or the sign-in has expired"


class RefreshTokenReused(AuthenticationFailed):
    """A refresh token used after it was rotated: its family is revoked, and the revocation is
    kept although the request is refused."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            detail or "the refresh token was used before; every sign-in it came from has ended"
        )


class IdentityServiceUnavailable(DomainError):
    slug = "identity-unavailable"
    title_zh = "钉钉登录服务暂时不可用,请稍后再试"
    title_en = "The DingTalk sign-in service is unavailable; try again shortly"


class ExportNotReady(Conflict):
    slug = "export-not-ready"
    title_zh = "导出文件尚未生成,请稍后再试"
    title_en = "The file is not made yet; try again shortly"


class ExportGone(DomainError):
    slug = "export-gone"
    title_zh = "导出文件已过期或生成失败,请重新导出"
    title_en = "The file has expired or could not be made; export again"


class TooManyExports(Conflict):
    slug = "too-many-exports"
    title_zh = "进行中的导出过多,请等待完成"
    title_en = "Too many of your exports are waiting or running"
