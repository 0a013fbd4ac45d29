"""Progress pages: the figures of a batch, or of all an association's batches, by region
(drilling down from provinces to counties) or by industry section."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from associations.selectors import my_association_list
from batches import selectors
from batches.figures import RESUMED_OF_ELIGIBLE, percent_text, progress
from core.access import action_required
from core.models import Region
from core.pagination import kept_for_a_while


def _percent(rate: float | None) -> float | None:
    return None if rate is None else rate * 100


def _follow_up_links(rows: list[dict], totals: dict, *, by: str, code: str, focus: dict) -> None:
    """Each row's (and the totals') links to the enterprises behind its figures: those eligible
    that have not applied, those approved that have not resumed (batches.follow_up). A row
    keeps the batch or association, the region and the industry it counts."""

    def link(name: str, row_code: str) -> str:
        region = row_code if by == "region" and row_code else code
        industry = row_code if by == "industry" else ""
        params = {**focus, "region": region, "industry": industry}
        return reverse(name) + "?" + urlencode({k: v for k, v in params.items() if v})

    for row in [*rows, totals]:
        row_code = row.get("code", "")
        row["not_applied_url"] = link("follow-up-not-applied", row_code)
        row["not_resumed_url"] = link("follow-up-not-resumed", row_code)


def _progress_context(request: HttpRequest, base: dict, **scope) -> dict:
    """The progress table of a batch or of an association's batches, by region (drilling down
    from provinces) or by industry section, with the links that keep `base` parameters."""
    by = "industry" if request.GET.get("by") == "industry" else "region"
    within = None
    code = request.GET.get("within", "").strip()
    if code:
        within = get_object_or_404(Region.objects.only("code", "path", "level"), code=code)
    batch = scope.get("batch")
    if batch is not None:
        figures = progress(by=by, within=within, batch=batch)
    else:
        # All the batches of a large association: its members and applications are all read
        # (a third of a second at national scale), so the figures are kept for a few seconds,
        # as long counts are, for its other staff; who has just written reads them afresh.
        key = f"progress:{scope['association_id']}:{by}:{within.code if within else ''}"
        figures = kept_for_a_while(
            f"{key}:{translation.get_language()}",
            lambda: progress(by=by, within=within, **scope),
            user=request.user,
        )

    def link(**params) -> str:
        return "?" + urlencode({**base, **{k: v for k, v in params.items() if v}})

    for row in [*figures["rows"], figures["totals"]]:
        row["percent"] = _percent(row["rate"])
        row["percent_text"] = percent_text(row["rate"])
        if row.get("drill"):
            row["drill_url"] = link(within=row["code"])
    _follow_up_links(
        figures["rows"],
        figures["totals"],
        by=by,
        code=code,
        focus={"batch": batch.pk} if batch else {"association": scope["association_id"]},
    )
    crumbs = []
    if within is not None:
        codes = within.path.strip("/").split("/")
        ancestors = {region.code: region for region in Region.objects.filter(code__in=codes)}
        crumbs = [
            {"name": ancestors[c].name, "url": link(by=by if by == "industry" else "", within=c)}
            for c in codes
            if c in ancestors
        ]
    return {
        "figures": figures,
        "rate_label": RESUMED_OF_ELIGIBLE.label,
        "by": by,
        "within": within,
        "crumbs": crumbs,
        "top_url": link(by="industry" if by == "industry" else ""),
        "by_region_url": link(within=code),
        "by_industry_url": link(by="industry", within=code),
    }


@action_required("progress.view")
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(selectors.batch_list(user=request.user), pk=pk)
    context = _progress_context(request, {}, batch=batch)
    context.update(batch=batch, title=_("Progress of %(name)s") % {"name": batch.name})
    return render(request, "batches/progress.html", context)


@action_required("progress.view")
def association_progress(request: HttpRequest) -> HttpResponse:
    associations = list(my_association_list(user=request.user).order_by("name"))
    chosen = request.GET.get("association", "")
    association = next((a for a in associations if str(a.pk) == chosen), None)
    if association is None and associations:
        association = associations[0]
    context: dict = {"associations": associations, "association": association}
    if association is not None:
        base = {"association": association.pk} if len(associations) > 1 else {}
        context.update(_progress_context(request, base, association_id=association.pk))
        context["batches"] = (
            selectors.batch_list(user=request.user)
            .filter(association=association)
            .order_by("-opens_at", "-id")[:20]
        )
        context["title"] = _("Resumption progress of %(name)s") % {"name": association.name}
    else:
        context["title"] = _("Resumption progress")
    return render(request, "batches/progress.html", context)
