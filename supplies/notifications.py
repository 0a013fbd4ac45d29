"""Telling the people concerned what happened to a need, and why.

Called by the needs' services, in the transaction of the change: the notices are kept with the
change or not at all, and their e-mails leave after the commit (core.notifications).
"""

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from associations.models import AssociationUser
from core.models import Event, Notification, Role, User
from core.notifications import notify
from core.text import without_closing_punctuation
from core.validators import display_phone
from supplies.models import Need, in_unit

S = Need.Status


def recipients(need: Need, event: Event) -> list[User]:
    """Who hears of a change: the enterprise of what the association or government did, the
    association's staff of what the enterprise or government did, the officials of the
    enterprise's region of an escalation."""
    enterprise_users = list(need.enterprise.users.filter(is_active=True))
    staff = list(
        User.objects.filter(
            is_active=True,
            role=Role.STAFF,
            pk__in=AssociationUser.objects.filter(association_id=need.association_id).values(
                "user_id"
            ),
        )
    )
    if event.to_status == S.ESCALATED:
        # The jurisdictions containing the enterprise's region are the codes on its path.
        inside = need.enterprise.region.path.strip("/").split("/")
        officials = list(
            User.objects.filter(is_active=True, role=Role.OFFICIAL, jurisdiction_id__in=inside)
        )
        return enterprise_users + officials
    if event.to_status == S.ANSWERED:
        return enterprise_users + staff
    actor_is_enterprise = event.actor_id is not None and event.actor_id in {
        u.pk for u in enterprise_users
    }
    return staff if actor_is_enterprise else enterprise_users


def tell_need_change(need: Need, event: Event) -> None:
    """Each person concerned, once per event: what the event says, even when told later (a
    message queued before the notices were written with the change)."""
    with translation.override("zh-hans"):
        title = _("%(need)s: %(status)s") % {
            "need": without_closing_punctuation(need.title),
            "status": S(event.to_status).label,
        }
    link = reverse("need-detail", args=[need.pk])
    # A government's answer to an escalated need is a kind of its own, always urgent.
    kind = Notification.Kind.ANSWER if event.to_status == S.ANSWERED else Notification.Kind.NEED
    for user in recipients(need, event):
        notify(
            user=user,
            title=title,
            body=event.reason,
            link=link,
            key=f"need:{need.pk}:change:{event.pk}:user:{user.pk}",
            kind=kind,
        )


def tell_match(match) -> None:
    """A match reaches both enterprises, each with the other's contact and the delivery details,
    so that they can arrange the delivery: the users of the enterprise that asked, and those of
    the supplier. Nobody else learns the contacts from it."""
    need, offer = match.need, match.offer
    supplier, requester = offer.enterprise, need.enterprise
    with translation.override("zh-hans"):
        amount = in_unit(match.quantity, need.unit)
        to_requester = (
            _("%(need)s: %(amount)s matched from %(supplier)s")
            % {
                "need": without_closing_punctuation(need.title),
                "amount": amount,
                "supplier": supplier.name,
            },
            _contact_lines(supplier)
            + [
                _("Delivers to: %(region)s") % {"region": offer.delivery_region.name},
                _("Available until: %(date)s") % {"date": offer.available_until.isoformat()},
            ]
            + ([_("Note: %(note)s") % {"note": match.note}] if match.note else []),
        )
        to_supplier = (
            _("Your offer of %(item)s: %(amount)s matched to %(requester)s")
            % {"item": offer.item.name, "amount": amount, "requester": requester.name},
            _contact_lines(requester),
        )
    for enterprise, (title, lines), link in (
        (requester, to_requester, reverse("need-detail", args=[need.pk])),
        (supplier, to_supplier, reverse("offer-list")),
    ):
        for user in enterprise.users.filter(is_active=True):
            notify(
                user=user,
                title=title,
                body="\n".join(lines),
                link=link,
                key=f"match:{match.pk}:user:{user.pk}",
                kind=Notification.Kind.NEED,
            )


def _contact_lines(enterprise) -> list[str]:
    return [
        _("Contact: %(name)s %(phone)s")
        % {
            "name": enterprise.contact_name or enterprise.name,
            "phone": display_phone(enterprise.contact_phone) or "—",
        },
        *(
            [_("Address: %(address)s") % {"address": enterprise.address}]
            if enterprise.address
            else []
        ),
    ]
