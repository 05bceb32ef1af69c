"""Expected failures: one exception per case, each with a machine code and zh/en messages."""

from __future__ import annotations

from typing import ClassVar


class SanshiError(Exception):
    """An expected failure a user can act on.

    ``code`` is stable (clients switch on it); ``message_zh`` is primary for our users,
    ``message_en`` its English twin. GraphQL turns these into typed union members;
    the CLI prints them; nothing else is shown to a user for an expected failure.
    """

    code: ClassVar[str] = "ERROR"
    zh: ClassVar[str] = "操作失败"
    en: ClassVar[str] = "The operation failed"

    def __init__(self, detail: str | None = None, **params: object) -> None:
        self.detail = detail
        self.params = params
        super().__init__(self.message_en)

    @property
    def message_zh(self) -> str:
        return self.zh.format(**self.params) if self.params else self.zh

    @property
    def message_en(self) -> str:
        return self.en.format(**self.params) if self.params else self.en

    def __str__(self) -> str:
        return f"[{self.code}] {self.message_zh} / {self.message_en}"


class InvalidSlug(SanshiError):
    code = "INVALID_SLUG"
    zh = "社区标识无效：须以小写字母开头，只含小写字母、数字和下划线，长 2–41 个字符"
    en = (
        "Invalid community slug: it must start with a lowercase letter and contain only "
        "lowercase letters, digits and underscores, 2-41 characters long"
    )


class NotFound(SanshiError):
    """Not found — also what a user gets for something that exists but is not theirs."""

    code = "NOT_FOUND"
    zh = "未找到"
    en = "Not found"


class CommunityNotFound(NotFound):
    code = "COMMUNITY_NOT_FOUND"
    zh = "社区不存在"
    en = "Community not found"


class CountyNotFound(NotFound):
    code = "COUNTY_NOT_FOUND"
    zh = "县不存在"
    en = "County not found"


class CommunityExists(SanshiError):
    code = "COMMUNITY_EXISTS"
    zh = "社区「{slug}」已存在"
    en = "Community '{slug}' already exists"


class CommunityArchived(SanshiError):
    code = "COMMUNITY_ARCHIVED"
    zh = "社区「{slug}」已归档，只能查看"
    en = "Community '{slug}' is archived and read-only"


class InvalidInput(SanshiError):
    code = "INVALID_INPUT"
    zh = "输入无效：{field_zh}"
    en = "Invalid input: {field_en}"


class TextTooLong(SanshiError):
    code = "TEXT_TOO_LONG"
    zh = "「{field}」过长：最多 {limit} 个字符"
    en = "'{field}' is too long: at most {limit} characters"


class FieldTooLong(TextTooLong):
    """``TextTooLong`` (same code) that names the field in Chinese for Chinese readers."""

    zh = "「{field_zh}」过长：最多 {limit} 个字符"
    en = "'{field}' is too long: at most {limit} characters"


class ConfirmationRequired(SanshiError):
    code = "CONFIRMATION_REQUIRED"
    zh = "危险操作需要确认：请再次输入社区标识「{slug}」"
    en = "This is destructive: confirm by giving the community slug '{slug}' again"


class MigrationInProgress(SanshiError):
    code = "MIGRATION_IN_PROGRESS"
    zh = "另一个迁移正在运行，请稍后再试（或使用 --wait 等待）"
    en = "Another migration is running; try again later (or use --wait)"


class Unauthenticated(SanshiError):
    code = "UNAUTHENTICATED"
    zh = "未登录或令牌无效"
    en = "Not signed in, or the token is invalid"


class TokenExpired(Unauthenticated):
    code = "TOKEN_EXPIRED"
    zh = "令牌已过期，请重新登录"
    en = "The token has expired; sign in again"


class Forbidden(SanshiError):
    code = "FORBIDDEN"
    zh = "您的角色无权执行此操作"
    en = "Your role is not allowed to do this"
