"""A small demo data set for `make run`: two associations in two provinces, their staff, an
official, a partner account and a few dozen member enterprises with valid credit codes; an open
batch with applications in every state, needs and offers, practice cases, and reports.

Everything is written through the services of each app, as the people of the story would have
done it, each step at the moment it happened (`demo.timeline` says why the clock is set back), so
the event log tells the story: who registered which member, who submitted, who approved.

Loading is idempotent, and events are never edited or deleted, so a later load does not replay
the story. Records are found by their natural keys; the descriptive ones (associations,
enterprises, the demo logins) are put back to their demo values, through the update services,
when they were changed while trying the demo; the ones that live through a workflow
(memberships, the batch and its applications, needs, reports) are made once, when missing, and
otherwise kept as they stand: no transition leads back, and the history of what was tried stays
true.
"""

import random
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from core.models import Industry, Region, User
from demo import (
    accounts,
    associations,
    batches,
    cases,
    enterprises,
    market,
    needs,
    notices,
    relief,
    reports,
    services,
)
from demo.accounts import DEMO_PASSWORD, DEMO_USERNAMES
from reports import rollups

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAMES", "load_demo_data"]


ROLLUP_DAYS = 30


@transaction.atomic
def load_demo_data() -> dict[str, int]:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo data is loaded only with DEMO_MODE=true (make run).")
    if not Region.objects.exists() or not Industry.objects.exists():
        raise ImproperlyConfigured("Load the reference data first: manage.py load_reference_data")
    rng = random.Random(2020)
    admin = accounts.admin()
    demo_associations = associations.load(rng, admin)
    people = accounts.association_people(demo_associations)
    province = Region.objects.get(code=associations.ASSOCIATIONS[0]["province"])
    official = accounts.official(province.pk)
    members = enterprises.load(
        rng, demo_associations, [people["manager"], people["manager2"]], admin
    )
    accounts.enterprise_user(members[0][0])
    batches.load(demo_associations[0], people["manager"], members[0])
    needs.load(demo_associations[0], people["staff"], official, members[0])
    services.load(demo_associations[0], people["staff"], members[0])
    relief.load(demo_associations[0], people["staff"], people["manager"], members[0])
    market.load(demo_associations[0], people["staff"], members[0])
    cases.load(demo_associations, [people["staff"], people["staff2"]], members)
    notices.load(demo_associations[0], people["staff"], members[0])
    reports.load(demo_associations, province, people["manager"])
    # The dashboards' trends: the story's last 30 days, as the beat would have kept them.
    today = timezone.localdate()
    rollups.compute_days(today - timedelta(days=ROLLUP_DAYS - 1), today)
    return {
        "associations": len(demo_associations),
        "enterprises": sum(len(of_one) for of_one in members),
        "users": User.objects.filter(username__in=DEMO_USERNAMES).count(),
    }
