"""Object-level permission predicates (django-rules), evaluated on an `Actor`.

Rules read as a matrix role × object × action and are tested that way
(tests/ipops/test_permissions.py). Services call `require()`; selectors filter
querysets to match, so lists and details agree.
"""

from __future__ import annotations

import rules

from ipops.errors import PermissionDenied
from ipops.visibility import visible


@rules.predicate
def is_bureau(actor, obj=None) -> bool:
    return actor.is_bureau and actor.can_write


@rules.predicate
def is_bureau_admin(actor, obj=None) -> bool:
    return actor.role == "bureau_admin" and actor.can_write


@rules.predicate
def is_official(actor, obj=None) -> bool:
    return actor.is_official


@rules.predicate
def is_asset_holder(actor, obj=None) -> bool:
    return actor.is_asset_holder and actor.can_write


@rules.predicate
def owns_asset(actor, asset) -> bool:
    return asset is not None and actor.organization_id is not None and asset.owner_id == actor.organization_id


@rules.predicate
def reads_city(actor, obj=None) -> bool:
    """Bureau staff and officials read every record of the city."""
    return actor.is_bureau or actor.is_official


@rules.predicate
def is_org_admin(actor, obj=None) -> bool:
    """An admin of their own organisation (单位管理员) who may write here."""
    return actor.membership is not None and actor.membership.is_admin and actor.can_write


@rules.predicate
def is_own_organization(actor, organization) -> bool:
    return (
        organization is not None
        and actor.organization_id is not None
        and organization.pk == actor.organization_id
    )


@rules.predicate
def in_own_organization(actor, membership) -> bool:
    return (
        membership is not None
        and actor.organization_id is not None
        and membership.organization_id == actor.organization_id
    )


permissions = rules.RuleSet()
# "Who sees what" is each model's visibility rule (ipops.visibility, registered with the selectors).
permissions.add_rule("asset.view", visible)
permissions.add_rule("asset.create", is_bureau | is_asset_holder)
permissions.add_rule("asset.change", is_bureau | (is_asset_holder & owns_asset))
permissions.add_rule("organization.manage", is_bureau_admin)
permissions.add_rule("organization.view", reads_city)
# People (成员): the bureau admin manages everyone in the city, an organisation's admin its own members.
# `member.add` without an organisation asks "may add to any organisation of the city?".
permissions.add_rule("member.view", visible)
permissions.add_rule("member.view_city", reads_city)
permissions.add_rule("member.add", is_bureau_admin | (is_org_admin & is_own_organization))
permissions.add_rule("member.manage", is_bureau_admin | (is_org_admin & in_own_organization))


def can(actor, action: str, obj=None) -> bool:
    return permissions.test_rule(action, actor, obj)


def require(actor, action: str, obj=None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied(code="permission_denied")
