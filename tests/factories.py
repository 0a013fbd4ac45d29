import random
from datetime import date

import factory
from stdnum.cn import uscc as stdnum_uscc

from associations.models import Association, AssociationUser, Membership
from core.models import Role, User, set_links
from enterprises.models import Enterprise

_rng = random.Random(4754)


def valid_uscc(prefix: str = "91", region: str = "440106") -> str:
    body = prefix + region + "".join(_rng.choice("0123456789") for _ in range(9))
    return body + stdnum_uscc.calc_check_digit(body)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    uscc = factory.LazyFunction(valid_uscc)
    region_id = "440106"  # 广州市天河区
    industry_id = "39"  # computers, communication and other electronic equipment
    size = Enterprise.Size.SMALL
    employees = 40
    contact_name = "张三"
    contact_phone = "13800138000"


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association

    name = factory.Sequence(lambda n: f"测试协会{n}")
    kind = Association.Kind.INDUSTRY_ASSOCIATION
    uscc = factory.LazyFunction(lambda: valid_uscc("51", "440100"))
    region_id = "440100"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    enterprise = factory.SubFactory(EnterpriseFactory)
    association = factory.SubFactory(AssociationFactory)
    status = Membership.Status.ACTIVE
    # An active member made here has no history rows: it joined before anything the tests
    # report on (the reports read a membership without a recorded status by its join date).
    joined_on = factory.LazyAttribute(
        lambda o: date(2019, 1, 1) if o.status == Membership.Status.ACTIVE else None
    )

    @factory.post_generation
    def registered_by(obj, create, extracted, **kwargs):
        """An enterprise's first membership made here is of the association that registered it
        (as the portal's own staff would have), unless the test says otherwise."""
        if create and obj.enterprise.registered_by_id is None and extracted is not False:
            Enterprise.objects.filter(pk=obj.enterprise_id).update(
                registered_by_id=obj.association_id
            )
            obj.enterprise.registered_by_id = obj.association_id


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.ENTERPRISE
    password = factory.PostGenerationMethodCall("set_password", "pass-2020-word")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def api_token(user: User, access: str = "read_write", *, name: str | None = None, **kwargs) -> str:
    """A new API token of `user` (core.tokens), made by the user; answers its key."""
    from core.tokens import token_create

    _token, key = token_create(
        actor=user, name=name or "test token", access=access, number_if_taken=True, **kwargs
    )
    return key


def staff_of(association: Association, *, manager: bool = False, **kwargs) -> User:
    user = UserFactory(role=Role.STAFF, **kwargs)
    AssociationUser.objects.create(user=user, association=association, is_manager=manager)
    return user


def _days(days: float):
    from datetime import timedelta

    return timedelta(days=days)


def _now(days: float = 0):
    """Now, or `days` away from now (negative: in the past)."""
    from django.utils import timezone

    return timezone.now() + _days(days)


class BatchFactory(factory.django.DjangoModelFactory):
    """An open batch whose window is open now, for Guangdong manufacturing unless told.

    `regions` and `industries` take codes: BatchFactory(regions=["440100"], industries=["39"]).
    """

    class Meta:
        model = "batches.Batch"
        skip_postgeneration_save = True

    association = factory.SubFactory(AssociationFactory)
    name = factory.Sequence(lambda n: f"第{n}批复工复产")
    opens_at = factory.LazyFunction(lambda: _now(-1))
    closes_at = factory.LazyFunction(lambda: _now(7))
    planned_start = factory.LazyFunction(lambda: _now().date())
    capacity = 100
    status = "open"
    created_by = factory.SubFactory(UserFactory, role=Role.STAFF)

    @factory.post_generation
    def regions(obj, create, extracted, **kwargs):
        if create:
            set_links(obj, "regions", extracted if extracted is not None else ["440000"])

    @factory.post_generation
    def industries(obj, create, extracted, **kwargs):
        if create:
            set_links(obj, "industries", extracted if extracted is not None else ["C"])


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application put straight into a status (no history row): the starting point of a
    test that then goes through the services. Past draft it carries its submission times."""

    class Meta:
        model = "batches.Application"

    batch = factory.SubFactory(BatchFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    status = "submitted"
    planned_date = factory.LazyFunction(lambda: _now().date())
    returning_workers = 20
    workers_from_other_provinces = 5
    created_by = factory.SubFactory(UserFactory)
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.status in ("draft", "withdrawn") else _now(-1)
    )
    review_due_at = factory.LazyAttribute(
        lambda o: o.submitted_at + _days(3) if o.submitted_at else None
    )


# The readiness checklist of an application that is ready in every respect.
READY_CHECKLIST = {
    "masks_days": 14,
    "disinfectant_days": 14,
    "thermometers": 2,
    "disinfection_plan": True,
    "isolation_area": True,
    "emergency_plan": True,
    "staff_health_checks": True,
}


def hand_in(user: User, batch, *, workers: int = 20, planned_date=None):
    """An application of `user`'s enterprise to `batch`, made and submitted through the
    services (at the clock's time), with a checklist ready in every respect."""
    from batches import services

    application = services.application_create(
        actor=user,
        batch_id=batch.pk,
        planned_date=planned_date or batch.planned_start,
        returning_workers=workers,
        workers_from_other_provinces=0,
        **READY_CHECKLIST,
    )
    return services.application_submit(actor=user, application_id=application.pk)
