from django.db.models import QuerySet

from core.access import scope_of
from enterprises.models import ImportJob


def import_job_list(*, user) -> QuerySet[ImportJob]:
    """The imports into the user's associations (all of them for admins), without the files."""
    return scope_of(user).filter(ImportJob.objects.defer("content"), association="association_id")
