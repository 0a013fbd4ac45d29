"""Writes on service requests: each atomic, on locked rows, with an event in the log."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from associations.models import AssociationUser
from core.errors import DomainError
from core.models import User
from core.workflow import change_status, not_allowed, record_status
from services.models import IN_HAND, Service, ServiceProvider, ServiceRequest, add_working_days


class ServiceError(DomainError):
    """A refusal of a services write."""


def _is_staff_of(user: User, association_id: int) -> bool:
    return AssociationUser.objects.filter(user=user, association_id=association_id).exists()


def _locked(request_id: int) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(of=("self",)).get(pk=request_id)


def request_submit(*, actor: User, service: Service, description: str) -> ServiceRequest:
    if actor.enterprise_id is None:
        raise ServiceError(_("Only an enterprise's user may request a service."))
    if service.status != Service.Status.ACTIVE:
        raise ServiceError(_("This service is not taking requests."), fields={"service": []})
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
            description=description,
            created_by=actor,
            respond_by=add_working_days(today, service.respond_days),
            plan_by=add_working_days(today, service.plan_days),
            resolve_by=add_working_days(today, service.resolve_days),
        )
        record_status(request, from_status="", to_status=request.status, actor=actor)
    return request


def request_accept(*, actor: User, request_id: int, assignee: User | None = None) -> ServiceRequest:
    """Accept and assign; the service's and provider's rows are locked so that two staff
    accepting at once are serialised and capacity is counted after the other's commit."""
    with transaction.atomic():
        request = _locked(request_id)
        if not _is_staff_of(actor, request.association_id):
            raise ServiceError(_("Only the association's staff may accept a request."))
        if request.status != ServiceRequest.Status.SUBMITTED:
            raise not_allowed(request)
        service = Service.objects.select_for_update().get(pk=request.service_id)
        provider = ServiceProvider.objects.select_for_update().get(pk=service.provider_id)
        in_service = ServiceRequest.objects.filter(service=service, status__in=IN_HAND).count()
        in_provider = ServiceRequest.objects.filter(provider=provider, status__in=IN_HAND).count()
        if in_service >= service.capacity or in_provider >= provider.capacity:
            raise ServiceError(_("This service has no capacity free now."), code="capacity")
        request.assignee = assignee or actor
        request.provider = provider
        change_status(
            request,
            to=ServiceRequest.Status.ACCEPTED,
            actor=actor,
            update_fields=["assignee", "provider"],
        )
    return request


def _staff_move(*, actor: User, request_id: int, to: str, reason: str = "") -> ServiceRequest:
    with transaction.atomic():
        request = _locked(request_id)
        if not _is_staff_of(actor, request.association_id):
            raise ServiceError(_("Only the association's staff may do this."))
        fields = []
        if to == ServiceRequest.Status.RESOLVED:
            request.resolved_at = timezone.now()
            fields.append("resolved_at")
        if reason:
            request.reason = reason
            fields.append("reason")
        change_status(request, to=to, actor=actor, reason=reason, update_fields=fields)
    return request


def request_start(*, actor: User, request_id: int) -> ServiceRequest:
    return _staff_move(actor=actor, request_id=request_id, to=ServiceRequest.Status.IN_PROGRESS)


def request_resolve(*, actor: User, request_id: int) -> ServiceRequest:
    return _staff_move(actor=actor, request_id=request_id, to=ServiceRequest.Status.RESOLVED)


def request_close(*, actor: User, request_id: int) -> ServiceRequest:
    return _staff_move(actor=actor, request_id=request_id, to=ServiceRequest.Status.CLOSED)


def request_decline(*, actor: User, request_id: int, reason: str) -> ServiceRequest:
    if not reason.strip():
        raise ServiceError(
            _("Say why the request is declined."), fields={"reason": [_("This field is required.")]}
        )
    return _staff_move(
        actor=actor, request_id=request_id, to=ServiceRequest.Status.DECLINED, reason=reason
    )


def request_withdraw(*, actor: User, request_id: int) -> ServiceRequest:
    with transaction.atomic():
        request = _locked(request_id)
        if actor.enterprise_id != request.enterprise_id:
            raise ServiceError(_("Only the requesting enterprise may withdraw."))
        change_status(request, to=ServiceRequest.Status.WITHDRAWN, actor=actor)
    return request


def request_rate(*, actor: User, request_id: int, rating: int, comment: str = "") -> ServiceRequest:
    """The requesting enterprise rates once resolved; 2 or less reopens it for the staff."""
    if rating not in range(1, 6):
        raise ServiceError(_("Rate from 1 to 5."), fields={"rating": [_("Rate from 1 to 5.")]})
    with transaction.atomic():
        request = _locked(request_id)
        if actor.enterprise_id is None or actor.enterprise_id != request.enterprise_id:
            raise ServiceError(_("Only the requesting enterprise may rate."))
        if request.status != ServiceRequest.Status.RESOLVED or request.rating is not None:
            raise not_allowed(request)
        request.rating = rating
        request.rating_comment = comment
        if rating <= 2:
            change_status(
                request,
                to=ServiceRequest.Status.IN_PROGRESS,
                actor=actor,
                reason=comment,
                update_fields=["rating", "rating_comment"],
                action="servicerequest.reopened",
            )
        else:
            request.save(update_fields=["rating", "rating_comment", "updated_at"])
    return request
