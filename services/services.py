"""Writes on the services catalogue and on service requests: each atomic, on locked rows, with an
event in the log, refusing what services.access refuses."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import AssociationUser
from core.attachments import attach
from core.errors import DomainError, check_model_rules, required_reason
from core.models import Notification, User
from core.notifications import notify
from core.workdays import add_working_days
from core.workflow import change_status, diff, not_allowed, record_event, record_status, snapshot
from services import access
from services.models import IN_HAND, Service, ServiceProvider, ServiceRequest


class ServiceError(DomainError):
    """A refusal of a services write."""


PROVIDER_FIELDS = ("name", "kind", "contact", "capacity")
SERVICE_FIELDS = (
    "provider",
    "category",
    "title",
    "description",
    "eligibility",
    "how_to_apply",
    "fee",
    "fee_amount",
    "capacity",
    "status",
    "last_checked_on",
    "respond_days",
    "plan_days",
    "resolve_days",
)


def _locked(request_id: int) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(of=("self",)).get(pk=request_id)


# --- the catalogue ------------------------------------------------------------------------


def _check_capacity(capacity) -> None:
    if capacity is not None and capacity < 1:
        message = _("Give at least 1: the number of requests it can have in hand at once.")
        raise ServiceError(message, fields={"capacity": [message]})


@transaction.atomic
def provider_create(*, actor: User, association_id: int, **values) -> ServiceProvider:
    if not access.may_keep_catalogue(actor, association_id):
        raise PermissionDenied
    _check_capacity(values.get("capacity"))
    provider = ServiceProvider(association_id=association_id, **values)
    check_model_rules(provider)
    provider.save()
    record_event(provider, "serviceprovider.created", actor=actor)
    return provider


@transaction.atomic
def provider_update(*, actor: User, provider_id: int, **values) -> ServiceProvider:
    provider = ServiceProvider.objects.select_for_update().get(pk=provider_id)
    if not access.may_keep_catalogue(actor, provider.association_id):
        raise PermissionDenied
    _check_capacity(values.get("capacity"))
    before = snapshot(provider, [f for f in PROVIDER_FIELDS if f in values])
    for name, value in values.items():
        setattr(provider, name, value)
    check_model_rules(provider)
    provider.save()
    record_event(provider, "serviceprovider.updated", actor=actor, changes=diff(before, provider))
    return provider


def _check_service(service: Service) -> None:
    _check_capacity(service.capacity)
    if service.provider.association_id != service.association_id:
        message = _("Choose one of your association's providers.")
        raise ServiceError(message, fields={"provider": [message]})
    if service.fee == Service.Fee.FREE:
        service.fee_amount = None
    else:
        try:
            amount = Decimal(str(service.fee_amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            amount = None
        if amount is None or not amount.is_finite() or amount <= 0:
            message = _("Give the fee in yuan for a reduced or paid service.")
            raise ServiceError(message, fields={"fee_amount": [message]})
        service.fee_amount = amount
    days = [service.respond_days, service.plan_days, service.resolve_days]
    if min(days) < 1 or days != sorted(days):
        message = _(
            "The working days must be at least 1 and in order: respond, then plan, then resolve."
        )
        raise ServiceError(message, fields={"resolve_days": [message]})
    check_model_rules(service, exclude=["regions"])


@transaction.atomic
def service_create(*, actor: User, association_id: int, regions=(), **values) -> Service:
    if not access.may_keep_catalogue(actor, association_id):
        raise PermissionDenied
    service = Service(association_id=association_id, **values)
    _check_service(service)
    service.save()
    service.regions.set(regions)
    record_event(service, "service.created", actor=actor)
    return service


@transaction.atomic
def service_update(*, actor: User, service_id: int, regions=None, **values) -> Service:
    service = Service.objects.select_for_update().get(pk=service_id)
    if not access.may_keep_catalogue(actor, service.association_id):
        raise PermissionDenied
    before = snapshot(service, [f for f in SERVICE_FIELDS if f in values])
    for name, value in values.items():
        setattr(service, name, value)
    _check_service(service)
    service.save()
    changes = diff(before, service)
    if regions is not None:
        old = sorted(service.regions.values_list("code", flat=True))
        service.regions.set(regions)
        new = sorted(service.regions.values_list("code", flat=True))
        if old != new:
            changes["regions"] = [old, new]
    record_event(service, "service.updated", actor=actor, changes=changes)
    return service


# --- requests -----------------------------------------------------------------------------


def request_submit(
    *, actor: User, service: Service, description: str, attachments=()
) -> ServiceRequest:
    if not access.may_request(actor):
        raise ServiceError(_("Only an enterprise's user may request a service."))
    service = Service.objects.get(pk=service.pk)  # as it is now, not as the caller read it
    if service.status != Service.Status.ACTIVE:
        message = _("This service is not taking requests.")
        raise ServiceError(message, fields={"service": [message]})
    if not description.strip():
        raise ServiceError(
            _("Say what help you need."), fields={"description": [_("This field is required.")]}
        )
    today = timezone.localdate()
    with transaction.atomic():
        request = ServiceRequest.objects.create(
            service=service,
            enterprise_id=actor.enterprise_id,
            association_id=service.association_id,
            description=description.strip(),
            created_by=actor,
            respond_by=add_working_days(today, service.respond_days),
            plan_by=add_working_days(today, service.plan_days),
            resolve_by=add_working_days(today, service.resolve_days),
        )
        record_status(request, from_status="", to_status=request.status, actor=actor)
        attach(request, attachments, actor=actor)
    return request


def request_attach(*, actor: User, request_id: int, attachments) -> ServiceRequest:
    """More documents, from the enterprise or the staff handling it, while it is open."""
    with transaction.atomic():
        request = _locked(request_id)
        if not (access.is_requester(actor, request) or access.handles(actor, request)):
            raise PermissionDenied
        if request.status not in ("submitted", *IN_HAND, "resolved"):
            raise not_allowed(request)
        if not attachments:
            message = _("Choose at least one file.")
            raise ServiceError(message, fields={"attachments": [message]})
        stored = attach(request, attachments, actor=actor)
        record_event(
            request,
            "servicerequest.attachments_added",
            actor=actor,
            changes={"attachments": [None, [a.name for a in stored]]},
        )
    return request


def in_hand(**filters) -> int:
    return ServiceRequest.objects.filter(status__in=IN_HAND, **filters).count()


def _assignee_for(actor: User, request: ServiceRequest, assignee: User | None) -> User:
    assignee = assignee or actor
    if (
        assignee.pk != actor.pk
        and not AssociationUser.objects.filter(
            user=assignee, association_id=request.association_id
        ).exists()
    ):
        message = _("Assign the request to a staff member of the association.")
        raise ServiceError(message, fields={"assignee": [message]})
    return assignee


def request_accept(
    *, actor: User, request_id: int, assignee: User | None = None, to_provider: bool = False
) -> ServiceRequest:
    """Accept and assign, to a staff member (the caller unless `assignee` is given) or, with
    `to_provider`, to the provider's contact person (no staff member then). The service's, the
    provider's and the assignee's rows are locked, in that order, so that two staff accepting at
    once are serialised and each counts what is in hand after the other's commit: no capacity
    is ever exceeded."""
    with transaction.atomic():
        request = _locked(request_id)
        if not access.handles(actor, request):
            raise ServiceError(_("Only the association's staff may accept a request."))
        if request.status != ServiceRequest.Status.SUBMITTED:
            raise not_allowed(request)
        if to_provider and assignee is not None:
            message = _("Assign the request to a staff member or to the provider, not both.")
            raise ServiceError(message, fields={"assignee": [message]})
        assignee = None if to_provider else _assignee_for(actor, request, assignee)
        service = Service.objects.select_for_update().get(pk=request.service_id)
        provider = ServiceProvider.objects.select_for_update().get(pk=service.provider_id)
        if assignee is not None:
            User.objects.select_for_update().filter(pk=assignee.pk).exists()
        if in_hand(service=service) >= service.capacity:
            raise ServiceError(
                _("This service has %(count)d requests in hand, its capacity; finish one first.")
                % {"count": service.capacity},
                code="capacity",
            )
        if in_hand(provider=provider) >= provider.capacity:
            raise ServiceError(
                _("%(provider)s has %(count)d requests in hand, its capacity; finish one first.")
                % {"provider": provider.name, "count": provider.capacity},
                code="capacity",
            )
        if assignee is not None and (
            in_hand(assignee=assignee) >= settings.SERVICE_REQUESTS_PER_ASSIGNEE
        ):
            message = _(
                "%(name)s has %(count)d requests in hand already; assign it to someone else."
            ) % {
                "name": assignee.get_full_name() or assignee.username,
                "count": settings.SERVICE_REQUESTS_PER_ASSIGNEE,
            }
            raise ServiceError(message, fields={"assignee": [message]}, code="capacity")
        request.assignee = assignee
        request.provider = provider
        change_status(
            request,
            to=ServiceRequest.Status.ACCEPTED,
            actor=actor,
            update_fields=["assignee", "provider"],
        )
    return request


def offer_oldest_waiting(service_id: int) -> ServiceRequest | None:
    """When a request leaves the hands of a service's staff, the oldest request still waiting
    for that service is offered first: its staff are told which one (once per request)."""
    service = Service.objects.select_related("provider").get(pk=service_id)
    if in_hand(service=service) >= service.capacity:
        return None
    waiting = (
        ServiceRequest.objects.filter(service=service, status=ServiceRequest.Status.SUBMITTED)
        .select_related("enterprise")
        .order_by("created_at", "id")
        .first()
    )
    if waiting is None:
        return None
    staff = User.objects.filter(
        association_links__association_id=service.association_id, is_active=True
    ).distinct()
    for user in staff:
        notify(
            user=user,
            title=_("Capacity is free on %(service)s: the oldest request is waiting")
            % {"service": service.title},
            body=_("%(enterprise)s asked on %(date)s.")
            % {
                "enterprise": waiting.enterprise.name,
                "date": timezone.localtime(waiting.created_at).date().isoformat(),
            },
            link=reverse("service-request-detail", args=[waiting.pk]),
            key=f"service-offer:{waiting.pk}",
            kind=Notification.Kind.SERVICE,
        )
    return waiting


def _staff_move(*, actor: User, request_id: int, to: str, reason: str = "") -> ServiceRequest:
    with transaction.atomic():
        request = _locked(request_id)
        if not access.handles(actor, request):
            raise ServiceError(_("Only the association's staff may do this."))
        was_in_hand = request.status in IN_HAND
        fields = []
        if to == ServiceRequest.Status.RESOLVED:
            request.resolved_at = timezone.now()
            fields.append("resolved_at")
        if reason:
            request.reason = reason
            fields.append("reason")
        change_status(request, to=to, actor=actor, reason=reason, update_fields=fields)
        if was_in_hand and request.status not in IN_HAND:
            transaction.on_commit(lambda: offer_oldest_waiting(request.service_id))
    return request


def request_start(*, actor: User, request_id: int, reason: str = "") -> ServiceRequest:
    return _staff_move(
        actor=actor, request_id=request_id, to=ServiceRequest.Status.IN_PROGRESS, reason=reason
    )


def request_resolve(*, actor: User, request_id: int, reason: str = "") -> ServiceRequest:
    return _staff_move(
        actor=actor, request_id=request_id, to=ServiceRequest.Status.RESOLVED, reason=reason
    )


def request_close(*, actor: User, request_id: int, reason: str = "") -> ServiceRequest:
    return _staff_move(
        actor=actor, request_id=request_id, to=ServiceRequest.Status.CLOSED, reason=reason
    )


def request_decline(*, actor: User, request_id: int, reason: str) -> ServiceRequest:
    if not (reason or "").strip():
        raise ServiceError(
            _("Say why the request is declined."), fields={"reason": [_("This field is required.")]}
        )
    return _staff_move(
        actor=actor, request_id=request_id, to=ServiceRequest.Status.DECLINED, reason=reason
    )


def request_reopen(*, actor: User, request_id: int, reason: str) -> ServiceRequest:
    """Staff send a resolved request back to work, saying why (the enterprise reopens it by
    rating 2 or less)."""
    with transaction.atomic():
        request = _locked(request_id)
        if not access.handles(actor, request):
            raise ServiceError(_("Only the association's staff may do this."))
        if request.status != ServiceRequest.Status.RESOLVED:
            raise not_allowed(request)
        change_status(
            request,
            to=ServiceRequest.Status.IN_PROGRESS,
            actor=actor,
            reason=required_reason(reason),
            action="servicerequest.reopened",
        )
    return request


def request_withdraw(*, actor: User, request_id: int, reason: str = "") -> ServiceRequest:
    with transaction.atomic():
        request = _locked(request_id)
        if not access.is_requester(actor, request):
            raise ServiceError(_("Only the requesting enterprise may withdraw."))
        change_status(request, to=ServiceRequest.Status.WITHDRAWN, actor=actor, reason=reason)
    return request


def request_rate(*, actor: User, request_id: int, rating: int, comment: str = "") -> ServiceRequest:
    """The requesting enterprise rates once resolved; 2 or less reopens it for the staff. The
    person who handled it cannot rate it (no self-rating)."""
    if rating not in range(1, 6):
        raise ServiceError(_("Rate from 1 to 5."), fields={"rating": [_("Rate from 1 to 5.")]})
    with transaction.atomic():
        request = _locked(request_id)
        if not access.is_requester(actor, request) or actor.pk == request.assignee_id:
            raise ServiceError(_("Only the requesting enterprise may rate."))
        if request.status != ServiceRequest.Status.RESOLVED or request.rating is not None:
            raise not_allowed(request)
        if rating <= 2 and not comment.strip():
            message = _("Say what is still wrong: the request goes back to the staff.")
            raise ServiceError(message, fields={"comment": [message]})
        if rating <= 2:
            # Back to the staff; the low rating stays in the history, and the enterprise rates
            # again once it is resolved again.
            change_status(
                request,
                to=ServiceRequest.Status.IN_PROGRESS,
                actor=actor,
                reason=comment.strip(),
                action="servicerequest.reopened",
                changes={"rating": [None, rating]},
            )
        else:
            request.rating = rating
            request.rating_comment = comment.strip()
            request.save(update_fields=["rating", "rating_comment", "updated_at"])
            record_event(
                request, "servicerequest.rated", actor=actor, changes={"rating": [None, rating]}
            )
    return request
