"""GraphQL adapter of the auth context: the Role and Scope vocabulary and the `me` query."""

from __future__ import annotations

import enum

import strawberry
from strawberry.types import Info

from services.api.kit.request import principal_of
from services.api.kit.vocabulary import labelled_enum
from services.auth.model import Principal, Role, ScopeKind

RoleType = labelled_enum(Role, "Role", "用户角色 / A user's role")


@strawberry.enum(name="ScopeKind", description="角色的适用范围种类 / Kind of scope")
class ScopeKindType(enum.Enum):
    COMMUNITY = strawberry.enum_value("community", description="一个社区 / One community")
    COUNTY = strawberry.enum_value("county", description="一个县 / One county")
    DEPARTMENT = strawberry.enum_value("department", description="县级部门 / A county department")


@strawberry.type(name="RoleInfo", description="角色及其中英文名称 / A role with its labels")
class RoleInfoType:
    role: RoleType
    label_zh: str
    label_en: str


@strawberry.type(name="Scope", description="角色适用的范围 / Where the roles apply")
class ScopeType:
    kind: ScopeKindType
    id: str = strawberry.field(description="社区标识、县代码或部门代码 / Slug or code")
    county: str | None = strawberry.field(
        description="部门所属的县 / The department's county (department scopes only)"
    )


@strawberry.type(name="Viewer", description="当前用户 / The signed-in caller")
class ViewerType:
    subject: str
    roles: list[RoleInfoType]
    scope: ScopeType

    @classmethod
    def from_principal(cls, p: Principal) -> ViewerType:
        order = list(Role)
        return cls(
            subject=p.subject,
            roles=[
                RoleInfoType(role=RoleType[r.name], label_zh=r.label_zh, label_en=r.label_en)
                for r in sorted(p.roles, key=order.index)
            ],
            scope=ScopeType(
                kind=ScopeKindType[ScopeKind(p.scope.kind).name],
                id=p.scope.id,
                county=p.scope.county,
            ),
        )


@strawberry.type
class AuthQuery:
    @strawberry.field(description="当前用户；匿名时为空 / The caller; null when anonymous")
    def me(self, info: Info) -> ViewerType | None:
        principal = principal_of(info)
        return None if principal is None else ViewerType.from_principal(principal)
