from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.access import can
from core.models import Role


def navigation(request):
    """The navigation bar of the signed-in user: only what their role can use, each item
    (label, url, count) where count is a number to show beside it (or None)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_notifications": 0}
    from batches.models import Application
    from batches.selectors import application_list
    from core.notifications import unread_count
    from supplies.models import Need
    from supplies.selectors import escalated_list, need_queue

    items = [(_("Home"), reverse("dashboard"), None)]
    if can(user, "application.queue"):
        waiting = application_list(user=user).filter(status=Application.Status.SUBMITTED).count()
        items.append((_("Batches"), reverse("batch-list"), None))
        items.append((_("Review queue"), reverse("application-list"), waiting or None))
        items.append((_("Progress"), reverse("association-progress"), None))
    if can(user, "need.queue"):
        untouched = need_queue(user=user).filter(status=Need.Status.OPEN).count()
        items.append((_("Needs queue"), reverse("need-queue"), untouched or None))
        items.append((_("Offers"), reverse("offer-list"), None))
        items.append((_("Catalogue"), reverse("supply-item-list"), None))
    if user.role == Role.ENTERPRISE and user.enterprise_id:
        items.append((_("Batches"), reverse("batch-list"), None))
        items.append((_("My applications"), reverse("application-list"), None))
        items.append((_("My needs"), reverse("need-list"), None))
        items.append((_("Offers"), reverse("offer-list"), None))
    if user.role == Role.OFFICIAL:
        items.append((_("Progress"), reverse("association-progress"), None))
    if can(user, "need.escalated"):
        awaiting = escalated_list(user=user).filter(status=Need.Status.ESCALATED).count()
        items.append((_("Escalated needs"), reverse("need-escalated"), awaiting or None))
    if can(user, "report.view"):
        items.append((_("Reports"), reverse("report-list"), None))
    if can(user, "report.completeness"):
        items.append((_("Completeness"), reverse("report-completeness"), None))
    if can(user, "member.list"):
        items.append((_("Members"), reverse("member-list"), None))
    if can(user, "enterprise.import") and user.association_ids:
        items.append((_("Import"), reverse("member-import"), None))
    if can(user, "claim.decide"):
        items.append((_("Claims"), reverse("claim-list"), None))
    if user.role in ("official",) or user.is_superuser:
        items.append((_("Enterprises"), reverse("enterprise-list"), None))
    if user.role == "enterprise" and user.enterprise_id:
        items.append(
            (_("My enterprise"), reverse("enterprise-detail", args=[user.enterprise_id]), None)
        )
    items.append((_("API documentation"), reverse("api:api-docs"), None))
    if user.is_superuser:
        items.append((_("Administration"), reverse("admin:index"), None))
    return {"nav_items": items, "unread_notifications": unread_count(user)}
