"""Who may do what with notices.

- The staff side of an association (staff, managers, partners bound to it, admins) writes its
  notices, publishes, corrects and withdraws them, reads who has read and signed, and reminds.
- An enterprise user reads the notices addressed to its enterprise (published or withdrawn:
  never a draft) and the policies its associations publish, and signs for one addressed to it
  that asks for it, with an optional reply.
- An official reads the notices addressed to members inside the jurisdiction, and how many of
  them read and signed — never who.
"""

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from associations.models import Membership
from core.access import EVERYONE, STAFF_SIDE, allowed, can, register, scope_of
from core.models import Role
from notices.models import Notice, NoticeRecipient

register(
    {
        "notice.view": EVERYONE,
        "notice.write": STAFF_SIDE,
        "notice.sign": frozenset({Role.ENTERPRISE}),
    }
)

S = Notice.Status


def visible(user, queryset: QuerySet | None = None) -> QuerySet:
    """The notices `user` may read."""
    queryset = Notice.objects.all() if queryset is None else queryset
    if not can(user, "notice.view"):
        return queryset.none()
    scope = scope_of(user)
    if scope.is_admin:
        return queryset
    sent = queryset.exclude(status=S.DRAFT)
    if scope.is_enterprise:
        if not scope.enterprise_id:
            return queryset.none()
        mine = NoticeRecipient.objects.filter(
            notice_id=OuterRef("pk"), enterprise_id=scope.enterprise_id
        )
        # and the policies its associations publish (listed where they apply: "policies for
        # you"), whoever they were sent to
        member = Membership.objects.filter(
            association_id=OuterRef("association_id"),
            enterprise_id=scope.enterprise_id,
            status=Membership.Status.ACTIVE,
        )
        policy = Q(is_policy=True, status=S.PUBLISHED) & Exists(member)
        return sent.filter(Exists(mine) | policy)
    if scope.kind == "jurisdiction":
        # by the recipient's own region code: one range of the (notice, region) index per notice
        inside = NoticeRecipient.objects.filter(notice_id=OuterRef("pk")).filter(
            user.jurisdiction.codes_inside("region__code")
        )
        return sent.filter(Exists(inside))
    if scope.kind == "associations" and can(user, "notice.write"):
        return queryset.filter(association_id__in=scope.association_ids)
    return queryset.none()


def writes(user, notice: Notice | None = None, association_id: int | None = None) -> bool:
    association_id = notice.association_id if notice is not None else association_id
    return can(user, "notice.write") and scope_of(user).works_for(association_id)


def recipient_of(user, notice: Notice) -> NoticeRecipient | None:
    """The row of the user's enterprise among the notice's recipients, if it is one."""
    scope = scope_of(user)
    if not (scope.is_enterprise and scope.enterprise_id):
        return None
    return NoticeRecipient.objects.filter(notice=notice, enterprise_id=scope.enterprise_id).first()


def may_sign(user, notice: Notice, recipient: NoticeRecipient | None) -> bool:
    return (
        can(user, "notice.sign")
        and recipient is not None
        and notice.needs_sign_off
        and notice.status == S.PUBLISHED
        and recipient.signed_at is None
    )


def allowed_actions(user, obj: Model, recipient: NoticeRecipient | None = None) -> list[str]:
    if not isinstance(obj, Notice):
        return []
    writing = writes(user, obj)
    published = obj.status == S.PUBLISHED
    return allowed(
        {
            "edit": writing and obj.status == S.DRAFT,
            "publish": writing and obj.status == S.DRAFT,
            "withdraw": writing and published,
            "correct": writing and published and obj.correction is None,
            "remind": writing and published,
            "receipts": writing and obj.status != S.DRAFT,
            "sign": may_sign(user, obj, recipient),
        }
    )
