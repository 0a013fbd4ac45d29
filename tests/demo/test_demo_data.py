import pytest
from django.core.exceptions import ImproperlyConfigured

from associations.models import Association, AssociationUser, Membership
from core.models import Role, User
from demo.data import DEMO_PASSWORD, load_demo_data
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_demo_data_is_refused_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(ImproperlyConfigured):
        load_demo_data()
    assert not User.objects.filter(username="admin").exists()


def test_demo_data_loads_twice_to_the_same_state(settings):
    settings.DEMO_MODE = True
    load_demo_data()
    first = (Association.objects.count(), Enterprise.objects.count(), Membership.objects.count())
    load_demo_data()
    again = (Association.objects.count(), Enterprise.objects.count(), Membership.objects.count())
    assert first == again
    assert first[0] == 2
    assert first[1] >= 30


def test_demo_logins_cover_every_role(settings):
    settings.DEMO_MODE = True
    load_demo_data()
    users = {u.username: u for u in User.objects.all()}
    for name in ["admin", "manager", "staff", "staff2", "enterprise", "official"]:
        assert users[name].check_password(DEMO_PASSWORD), name
    assert users["admin"].is_superuser
    assert users["enterprise"].enterprise is not None
    assert users["official"].role == Role.OFFICIAL
    first, second = Association.objects.order_by("pk")
    assert users["official"].jurisdiction_id == first.region.parent_id
    assert first.region.parent_id != second.region.parent_id
    assert AssociationUser.objects.get(user=users["manager"]).is_manager
    assert AssociationUser.objects.get(user=users["staff2"]).association == second


def test_demo_enterprises_have_valid_credit_codes(settings):
    from stdnum.cn import uscc

    settings.DEMO_MODE = True
    load_demo_data()
    assert all(uscc.is_valid(code) for code in Enterprise.objects.values_list("uscc", flat=True))


def test_demo_data_has_requests_to_decide_and_valid_phones(settings):
    from core.validators import normalise_phone

    settings.DEMO_MODE = True
    load_demo_data()
    assert Membership.objects.filter(status=Membership.Status.PENDING).count() >= 2
    phones = Enterprise.objects.values_list("contact_phone", flat=True)
    assert all(normalise_phone(phone) == phone for phone in phones)
