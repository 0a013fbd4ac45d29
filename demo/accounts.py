"""The demo's accounts: one login per role (all with `DEMO_PASSWORD`), and the accounts the member
enterprises of the story act through.

Accounts are not made by a service (people sign up or are invited; the demo needs known
passwords), so they are written here directly, and brought back to their demo values on every
load: role, name, password, links to associations, enterprise, jurisdiction.
"""

from django.contrib.auth.hashers import make_password

from associations.models import Association, AssociationUser
from core.models import Role, User
from enterprises.models import Enterprise

DEMO_PASSWORD = "demo-pass-2020"  # noqa: S105 - documented demo login, only in DEMO_MODE

DEMO_USERNAMES = [
    "admin",
    "manager",
    "staff",
    "manager2",
    "staff2",
    "partner",
    "enterprise",
    "official",
]

# Who works for which association (by its index in the demo list), and who manages it.
ASSOCIATION_PEOPLE = [
    ("manager", Role.STAFF, "陈敏", 0, True),
    ("staff", Role.STAFF, "刘洋", 0, False),
    ("partner", Role.PARTNER, "物流平台", 0, False),
    ("manager2", Role.STAFF, "林海", 1, True),
    ("staff2", Role.STAFF, "周静", 1, False),
]


def _login(username: str, *, role: str, first_name: str, **extra) -> User:
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "first_name": first_name,
            "password": make_password(DEMO_PASSWORD),
            "is_active": True,
            **extra,
        },
    )
    # A fresh instance: nothing cached about links made before this call (scope, associations).
    return User.objects.get(pk=user.pk)


def admin() -> User:
    return _login("admin", role=Role.ADMIN, first_name="管理员", is_staff=True, is_superuser=True)


def association_people(associations: list[Association]) -> dict[str, User]:
    """The staff, managers and the partner system of the demo associations, by username."""
    for username, role, first_name, index, is_manager in ASSOCIATION_PEOPLE:
        user = _login(username, role=role, first_name=first_name)
        AssociationUser.objects.update_or_create(
            user=user, association=associations[index], defaults={"is_manager": is_manager}
        )
    return {
        user.username: user
        for user in User.objects.filter(username__in=[p[0] for p in ASSOCIATION_PEOPLE])
    }


def official(jurisdiction_id: str) -> User:
    return _login(
        "official", role=Role.OFFICIAL, first_name="赵强", jurisdiction_id=jurisdiction_id
    )


def enterprise_user(enterprise: Enterprise) -> User:
    return _login("enterprise", role=Role.ENTERPRISE, first_name="王伟", enterprise=enterprise)


def member_account(*, uscc: str, first_name: str, enterprise: Enterprise | None = None) -> User:
    """The account through which a member enterprise of the story registers, applies, files
    needs or offers: named after the enterprise's credit code, with no password (not a demo
    login). Without `enterprise` it acts for none yet (it is about to register one)."""
    user, _created = User.objects.get_or_create(
        username=f"member-{uscc.lower()}",
        defaults={
            "role": Role.ENTERPRISE,
            "first_name": first_name,
            "password": make_password(None),
            "enterprise": enterprise,
        },
    )
    if enterprise is not None and user.enterprise_id is None:
        user.enterprise = enterprise
        user.save(update_fields=["enterprise"])
    return User.objects.get(pk=user.pk)


def account_of(enterprise: Enterprise) -> User:
    """The account the enterprise acts through: the demo login's, or one made for it."""
    user = (
        User.objects.filter(enterprise=enterprise, role=Role.ENTERPRISE, is_active=True)
        .order_by("pk")
        .first()
    )
    if user is not None:
        return user
    return member_account(
        uscc=enterprise.uscc, first_name=enterprise.contact_name, enterprise=enterprise
    )
