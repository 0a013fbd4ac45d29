"""What notices add to an enterprise's page: for its own users and its associations' side, the
policies that apply to it ("policies for you")."""

from core.access import scope_of
from notices import selectors


def policies_for_you(request, enterprise):
    scope = scope_of(request.user)
    if not (scope.owns(enterprise.pk) or scope.is_admin or scope.kind == "associations"):
        return None
    policies = list(selectors.policies_for(enterprise)[:20])
    return "notices/_policies.html", {"policies": policies, "own": scope.owns(enterprise.pk)}
