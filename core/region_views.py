"""The region picker's lookups (static/core/region_picker.js): the regions under a region, or
those that a text being typed names. Reference data only, for anyone logged in."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from core import region_names
from core.access import action_required
from core.models import Region

MAX_RESULTS = 20


def _row(place) -> dict:
    return {
        "code": place.code,
        "name": place.name,
        "full_name": region_names.full_name(place),
        "list_name": region_names.list_name(place),
        "level": place.level,
        "has_children": bool(region_names.children(place)),
        "path": [part.code for part in region_names.chain(place)],
    }


@require_GET
@action_required("reference.view")
def region_lookup(request: HttpRequest) -> JsonResponse:
    """`?parent=440000`: the current regions directly under it (no parent: the provinces);
    `?q=乐昌` (with `levels=county`, optionally): suggestions for what is being typed."""
    if "q" in request.GET:
        levels = tuple(
            level
            for level in request.GET.get("levels", "").split(",")
            if level in Region.Level.values
        )
        places = region_names.suggest(request.GET["q"], levels=levels, limit=MAX_RESULTS)
    else:
        parent = request.GET.get("parent", "")
        if parent and region_names.place_of(parent) is None:
            return JsonResponse({"results": []}, status=404)
        places = region_names.children(parent or None)
    return JsonResponse({"results": [_row(place) for place in places]})
