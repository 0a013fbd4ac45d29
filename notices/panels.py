"""What notices add to an enterprise's page: for its own users and its associations' side, the
policies that apply to it ("policies for you")."""

from core.access import scope_of
from notices import selectors


def policies_for_you(request, enterprise):
    scope = scope_of(request.user)
    if not (scope.owns(enterprise.pk) or scope.is_admin or scope.kind == "associations"):
        return None
    policies = selectors.policies_for(enterprise)
    if scope.kind == "associations":  # its own association's policies only
        policies = policies.filter(association_id__in=scope.association_ids)
    policies = list(policies[:20])
    return "notices/_policies.html", {"policies": policies, "own": scope.owns(enterprise.pk)}
