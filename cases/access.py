"""Who may do what with practice cases.

- A case is its association's: the staff side (staff, managers, partners bound to it, admins)
  writes, reviews, publishes and archives it.
- A published case is read by every signed-in role; a draft, reviewed or archived one only by
  its association's side and by the enterprise user who suggested it.
- Enterprise users suggest a case (a draft of the association they are a member of) and mark a
  published case "this helped me", once each.
"""

from django.db.models import Model, Q, QuerySet

from cases.models import Case
from core.access import EVERYONE, STAFF_SIDE, allowed, can, register, scope_of
from core.models import Role
from core.workflow import may_move

register(
    {
        "case.view": EVERYONE,
        "case.write": STAFF_SIDE,
        "case.suggest": frozenset({Role.ENTERPRISE}),
        "case.helped": frozenset({Role.ENTERPRISE}),
    }
)

S = Case.Status

TRANSITIONS = {
    "review": S.REVIEWED,
    "publish": S.PUBLISHED,
    "archive": S.ARCHIVED,
    "redraft": S.DRAFT,  # a reviewed case sent back, an archived one written again
}


def visible(user, queryset: QuerySet | None = None) -> QuerySet:
    """The cases `user` may read."""
    queryset = Case.objects.all() if queryset is None else queryset
    if not can(user, "case.view"):
        return queryset.none()
    scope = scope_of(user)
    if scope.is_admin:
        return queryset
    seen = Q(status=S.PUBLISHED) | Q(suggested_by_id=user.pk)
    if can(user, "case.write") and scope.association_ids:
        seen |= Q(association_id__in=scope.association_ids)
    return queryset.filter(seen)


def writes(user, case: Case | None = None, association_id: int | None = None) -> bool:
    association_id = case.association_id if case is not None else association_id
    return can(user, "case.write") and scope_of(user).works_for(association_id)


def may_suggest(user) -> bool:
    return can(user, "case.suggest") and bool(scope_of(user).enterprise_id)


def may_mark_helped(user, case: Case) -> bool:
    return can(user, "case.helped") and case.status == S.PUBLISHED


def allowed_actions(user, obj: Model) -> list[str]:
    if not isinstance(obj, Case):
        return []
    writing = writes(user, obj)
    return allowed(
        {
            "edit": writing and obj.status != S.ARCHIVED,
            **{name: writing and may_move(obj, to) for name, to in TRANSITIONS.items()},
            "helped": may_mark_helped(user, obj),
        }
    )
