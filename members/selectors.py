from django.db.models import QuerySet

from associations.models import Membership
from core.access import scope_of
from core.models import Event
from core.workflow import history_for, read_from_outside
from enterprises.models import ImportJob


def import_job_list(*, user) -> QuerySet[ImportJob]:
    """The imports into the user's associations (all of them for admins), without the files."""
    return scope_of(user).filter(ImportJob.objects.defer("content"), association="association_id")


def membership_history(*, user, membership: Membership) -> list[Event]:
    """The membership's events, oldest first, as `user` may read them.

    The association's own side (its staff, partners bound to it, admins) reads everything, as
    recorded. The enterprise, and staff of another association acting for it, read everything
    too, but people by name and role, never by login name. Government (a reader bound to a
    jurisdiction) reads what it needs: the status changes and when, people by role alone,
    without the reasons for a rejection or a suspension (`core.workflow.read_from_outside`)."""
    scope = scope_of(user)
    events = history_for(membership)
    if scope.works_for(membership.association_id):
        return list(events)
    acts_for_the_enterprise = scope.kind in ("enterprise", "associations")
    return read_from_outside(
        events, names=acts_for_the_enterprise, statuses_only=not acts_for_the_enterprise
    )
