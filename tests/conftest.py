"""The cast every test can use: two associations in two provinces, their members, and one user
of each role. Reference data (regions, industries) is loaded once per test database."""

import importlib
from dataclasses import dataclass

import pytest
from django.apps import apps as django_apps
from django.utils import translation
from rest_framework.test import APIClient

from associations.models import Association, AssociationUser
from core.models import Role, User
from core.reference_data import load_reference_data
from enterprises.models import Enterprise
from tests.factories import (
    AssociationFactory,
    EnterpriseFactory,
    MembershipFactory,
    UserFactory,
    staff_of,
)

PASSWORD = "pass-2020-word"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_blocker):
    """Transactional tests (real concurrency) empty every table when they end; put the regions,
    the industries and the supply catalogue (a data migration's) back before the next test that
    uses the database."""
    uses_db = request.node.get_closest_marker("django_db") is not None or {
        "db",
        "transactional_db",
    } & set(request.fixturenames)
    if not uses_db:
        return
    from core.models import Region
    from supplies.models import SupplyItem

    with django_db_blocker.unblock():
        if not Region.objects.exists():
            load_reference_data()
        if not SupplyItem.objects.exists():
            seed = importlib.import_module("supplies.migrations.0002_seed_catalogue").seed
            seed(django_apps, None)


@dataclass
class Cast:
    association: Association  # in Guangdong
    other_association: Association  # in Zhejiang
    member: Enterprise  # member of `association`, in Guangzhou
    other_member: Enterprise  # member of `other_association`, in Hangzhou
    enterprise_user: User
    staff: User
    manager: User
    other_staff: User
    official: User  # jurisdiction: Guangdong
    other_official: User  # jurisdiction: Zhejiang
    partner: User  # bound to `association`
    admin: User
    outsider: User  # an enterprise user with no enterprise yet

    def by_role(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def cast(db) -> Cast:
    association = AssociationFactory(name="广东省电子行业协会", region_id="440100")
    other_association = AssociationFactory(name="浙江省服装商会", region_id="330100")
    member = EnterpriseFactory(name="广州华兴电子有限公司", region_id="440106")
    other_member = EnterpriseFactory(
        name="杭州盛达服装有限公司", region_id="330106", industry_id="18"
    )
    MembershipFactory(enterprise=member, association=association)
    MembershipFactory(enterprise=other_member, association=other_association)
    partner = UserFactory(username="partner", role=Role.PARTNER)
    AssociationUser.objects.create(user=partner, association=association)
    return Cast(
        association=association,
        other_association=other_association,
        member=member,
        other_member=other_member,
        enterprise_user=UserFactory(username="enterprise", role=Role.ENTERPRISE, enterprise=member),
        staff=staff_of(association, username="staff"),
        manager=staff_of(association, manager=True, username="manager"),
        other_staff=staff_of(other_association, username="other_staff"),
        official=UserFactory(username="official", role=Role.OFFICIAL, jurisdiction_id="440000"),
        other_official=UserFactory(
            username="other_official", role=Role.OFFICIAL, jurisdiction_id="330000"
        ),
        partner=partner,
        admin=UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
        outsider=UserFactory(username="outsider", role=Role.ENTERPRISE),
    )


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Attachments a test stores go to a directory of its own, never into the checkout."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (Chinese): a request that asked for English
    leaves it active in the thread (LocaleMiddleware activates it and nothing switches back), which
    would otherwise carry over to whatever test runs next in the same worker."""
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters live in the real, shared Redis cache; each test starts with none.

    Only this test worker's keys go: a FLUSHDB would also take the other workers' Celery queues.
    """
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{settings.CACHE_KEY_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """The password-link e-mails handed to Celery (on commit), kept here instead of Redis."""
    from core.tasks import send_password_link

    emails: list[dict] = []
    monkeypatch.setattr(send_password_link, "delay", lambda **email: emails.append(email))
    return emails
