from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.access import can, scope_of
from core.keyset import COUNT_CAP, capped_count


def _capped(queryset) -> int | str:
    """The rows of `queryset` counted up to COUNT_CAP, as a list counts its own ("1,000+" past
    it): a count over the whole country (an administrator's menu) read 300 ms of the national
    set's needs on every page."""
    counted = capped_count(queryset, COUNT_CAP)
    return f"{COUNT_CAP:,}+" if counted > COUNT_CAP else counted


def navigation(request):
    """The navigation bar of the signed-in user: only what they can use, each item
    (label, url, count) where count is a number to show beside it (or None).

    Who sees an item is the role table's answer (core.access.can: the rows of the app the item
    leads to, or the portal's own in portal/access.py) and the user's scope; the items come in
    one order for every role.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_notifications": 0}
    from batches.badges import WAITING_APPLICATIONS
    from batches.models import Application
    from batches.selectors import application_list
    from core import badges
    from core.notifications import unread_count
    from supplies.badges import OPEN_NEEDS
    from supplies.models import Need
    from supplies.selectors import escalated_list, need_queue

    scope = scope_of(user)
    reviews = can(user, "application.queue")  # the association's review of applications
    coordinates = can(user, "need.queue")  # the association's coordination of needs
    # An enterprise user acting for their enterprise (scope.enterprise_id is theirs only).
    own = scope.enterprise_id is not None
    # An association's people: the menu's counts of their associations, from the cache
    # (core.badges; 28-34 ms a page at a million needs when counted each time). Anyone else's
    # (an administrator's, over the whole country) are counted up to the cap, as lists count.
    kept_per_association = scope.kind == "associations"
    A = Application.Status

    items = [(_("Home"), reverse("dashboard"), None)]
    if reviews or own:
        items.append((_("Batches"), reverse("batch-list"), None))
    if reviews:
        if kept_per_association:
            waiting = badges.count(WAITING_APPLICATIONS, scope.association_ids)
        else:
            waiting = _capped(application_list(user=user).filter(status=A.SUBMITTED))
        items.append((_("Review queue"), reverse("application-list"), waiting or None))
    if own:
        items.append((_("My applications"), reverse("application-list"), None))
    if can(user, "progress.overview"):
        items.append((_("Progress"), reverse("association-progress"), None))
    if coordinates:
        if kept_per_association:
            untouched = badges.count(OPEN_NEEDS, scope.association_ids)
        else:
            untouched = _capped(need_queue(user=user).filter(status=Need.Status.OPEN))
        items.append((_("Needs queue"), reverse("need-queue"), untouched or None))
    if own:
        items.append((_("My needs"), reverse("need-list"), None))
    if coordinates or own:
        items.append((_("Offers"), reverse("offer-list"), None))
    if coordinates:
        items.append((_("Catalogue"), reverse("supply-item-list"), None))
    # Support services: the catalogue for the association's people and enterprise users (whose
    # requests are a button away on it), and the requests waiting for the association's people.
    if coordinates or own:
        items.append((_("Services"), reverse("service-list"), None))
    if coordinates:
        from services.badges import WAITING_REQUESTS
        from services.selectors import visible_requests

        if kept_per_association:
            waiting = badges.count(WAITING_REQUESTS, scope.association_ids)
        else:
            waiting = _capped(visible_requests(user).filter(status="submitted"))
        items.append((_("Service requests"), reverse("service-request-list"), waiting or None))
    # Relief for hard-hit members: the schemes and their ledger (assessments and the hardest-hit
    # list a button away) for the association's people; an enterprise's own relief; officials'
    # hardest-hit list of their jurisdiction.
    if coordinates:
        items.append((_("Relief"), reverse("relief-scheme-list"), None))
    elif own:
        items.append((_("My relief"), reverse("relief-mine"), None))
    elif can(user, "hardship.hardest_hit") and scope.kind == "jurisdiction":
        items.append((_("Hardest hit"), reverse("hardest-hit"), None))
    # Market order: complaints (one's own, those about one's enterprise, the association's),
    # and from there the pledges.
    if can(user, "complaint.view"):
        items.append((_("Complaints"), reverse("complaint-list"), None))
    # The practice-case library: every role reads it, the association's side writes it.
    if can(user, "case.view"):
        items.append((_("Practice cases"), reverse("case-list"), None))
    # Notices: an enterprise user's unread ones counted on the partial index notice_unread.
    if can(user, "notice.view"):
        from notices.selectors import unread_count as unread_notices

        items.append((_("Notices"), reverse("notice-list"), unread_notices(user) or None))
    if can(user, "need.escalated"):
        # Counted up to COUNT_CAP, as the list's own count is ("1,000+" past it): a province
        # awaits thousands, and the exact count cost 36 ms on every page of every official.
        awaiting = _capped(escalated_list(user=user).filter(status=Need.Status.ESCALATED))
        items.append((_("Escalated needs"), reverse("need-escalated"), awaiting or None))
    if can(user, "report.view"):
        items.append((_("Reports"), reverse("report-list"), None))
    if can(user, "report.completeness"):
        items.append((_("Completeness"), reverse("report-completeness"), None))
    if can(user, "member.list"):
        items.append((_("Members"), reverse("member-list"), None))
    if can(user, "enterprise.import") and scope.association_ids:
        items.append((_("Import"), reverse("member-import"), None))
    if can(user, "claim.decide"):
        items.append((_("Claims"), reverse("claim-list"), None))
    if can(user, "enterprise.directory"):
        items.append((_("Enterprises"), reverse("enterprise-list"), None))
    if own:
        items.append(
            (_("My enterprise"), reverse("enterprise-detail", args=[scope.enterprise_id]), None)
        )
    # Webhooks: the endpoints of the association or jurisdiction, for those who manage them.
    if can(user, "webhook.manage"):
        items.append((_("Webhooks"), reverse("webhook-list"), None))
    # Who did what, when: managers (their associations), officials (their jurisdiction), admins.
    if can(user, "audit.read"):
        items.append((_("Audit log"), reverse("audit"), None))
    # An enterprise user's own data (a download, the account's deletion; other accounts may
    # open the page too), and the deletion requests for those who decide them (decision 0028).
    if can(user, "deletion.decide"):
        items.append((_("Deletion requests"), reverse("deletion-requests"), None))
    if can(user, "deletion.request"):
        items.append((_("My data"), reverse("my-data"), None))
    if can(user, "api_docs.menu"):
        items.append((_("API documentation"), reverse("api:api-docs"), None))
    # The platform's administration: its figures, new associations, deactivating accounts.
    if can(user, "platform.figures"):
        items.append((_("The platform"), reverse("platform"), None))
    # Django's administration site also asks for its own staff flag; no link to a locked door.
    if can(user, "admin_site.view") and user.is_staff:
        items.append((_("Administration"), reverse("admin:index"), None))
    return {"nav_items": items, "unread_notifications": unread_count(user)}
