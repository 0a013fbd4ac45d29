"""What the change feed and the webhooks tell about: every kind of object the REST API lists.

Each is read through its own API viewset, as the receiving account would read it with a GET of
the list: the viewset's scoped queryset decides whether the account may see the object now, and
its list serializer gives the snapshot. So a payload never carries more than the account's scope
allows, and an app added later is in the feed as soon as the API router lists it.
"""

from dataclasses import dataclass, field
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from rest_framework.request import Request

from core.access import can

# Listed by the API but not objects events are about, or not the account's to follow.
NOT_FOLLOWED = {
    "core.region",
    "core.industry",
    "core.notification",
    "core.apitoken",
    "enterprises.importjob",
    "integrations.endpoint",
    "integrations.delivery",
}


@dataclass
class Subject:
    """One kind of object: its name in event types (`need` in `need.resolved`), its model, and
    the viewset that lists it (by the value of `kind_field` when several do, as for needs)."""

    name: str
    model: type
    viewsets: dict = field(default_factory=dict)
    kind_field: str | None = None

    @property
    def content_type_id(self) -> int:
        return ContentType.objects.get_for_model(self.model).pk


def _request(account) -> Request:
    http = HttpRequest()
    http.method = "GET"
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host]
    http.META = {"SERVER_NAME": (hosts or ["localhost"])[0].lstrip("."), "SERVER_PORT": "443"}
    http.user = account
    request = Request(http)
    request.user = account
    return request


def _view(viewset_class, account):
    view = viewset_class()
    view.request = _request(account)
    view.action = "list"
    view.args = ()
    view.kwargs = {}
    view.format_kwarg = None
    return view


@cache
def subjects() -> dict[str, Subject]:
    """{name: Subject} for every model the API router lists (built once)."""
    from resumption_portal.api_urls import router

    found: dict[str, Subject] = {}
    for _prefix, viewset_class, _basename in router.registry:
        try:
            model = _view(viewset_class, AnonymousUser()).get_queryset().model
        except Exception:  # noqa: S112 - a viewset that cannot list for nobody is not followed
            continue
        if model._meta.label_lower in NOT_FOLLOWED:
            continue
        name = model._meta.concrete_model._meta.model_name
        subject = found.setdefault(name, Subject(name=name, model=model))
        kind = getattr(viewset_class, "kind", None)
        if kind is not None:
            subject.kind_field = "kind"
            subject.viewsets[str(kind)] = viewset_class
        else:
            subject.viewsets.setdefault(None, viewset_class)
    return found


def by_content_type() -> dict[int, Subject]:
    return {subject.content_type_id: subject for subject in subjects().values()}


def _listing_views(account, subject: Subject, ids: set[int]) -> list[tuple[object, set[int]]]:
    """(the account's list view, the ids it would list) for each viewset of the subject the
    account may list with; nothing for a role that may not list them at all."""
    groups: dict = {}
    if subject.kind_field:
        kinds = subject.model._base_manager.filter(pk__in=ids).values_list("pk", subject.kind_field)
        for pk, kind in kinds:
            groups.setdefault(subject.viewsets.get(str(kind)), set()).add(pk)
    else:
        groups[subject.viewsets[None]] = set(ids)
    views = []
    for viewset_class, some in groups.items():
        action = getattr(viewset_class, "permission_actions", {}).get("list")
        if viewset_class is None or action is None or not can(account, action):
            continue
        views.append((_view(viewset_class, account), some))
    return views


def snapshots(account, subject: Subject, ids: set[int]) -> dict[int, dict]:
    """{id: the object as `account` reads it in the API's list} for the ids it may see now."""
    if not ids:
        return {}
    groups = _listing_views(account, subject, ids)
    found: dict[int, dict] = {}
    for view, some in groups:
        rows = view.get_queryset().filter(pk__in=some)
        for row in view.get_serializer(rows, many=True).data:
            found[row["id"]] = dict(row)
    return found


def visible_ids(account, subject: Subject, ids: set[int]) -> set[int]:
    """Which of `ids` the account may see now (no snapshot)."""
    if not ids:
        return set()
    groups = _listing_views(account, subject, ids)
    seen: set[int] = set()
    for view, some in groups:
        seen.update(view.get_queryset().filter(pk__in=some).values_list("pk", flat=True))
    return seen
