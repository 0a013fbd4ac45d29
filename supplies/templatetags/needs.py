"""How needs and quantities read on the pages: quantities without trailing zeros, a need's title
and progress, and the few figures the dashboards show."""

from decimal import Decimal

from django import template
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import ngettext

from core.text import labelled
from supplies import selectors
from supplies.badges import kept_for
from supplies.models import Need, in_unit, plain

register = template.Library()


@register.filter
def qty(value) -> str:
    """1000.000 → 1000, 12.500 → 12.5; never an exponent (Decimal.normalize() alone gives 1E+3)."""
    if value is None or value == "":
        return "—"
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return plain(value)


@register.filter
def amount(quantity, unit: str) -> str:
    """A quantity with its unit: {{ need.quantity|amount:need.unit }} → "5000 个", "5000 pieces"."""
    if quantity is None or quantity == "":
        return "—"
    return in_unit(quantity, unit)


@register.filter
def need_title(need: Need) -> str:
    """What the need is about, in one line: "医用口罩 × 1000 个", "电工 × 5"."""
    if need.kind == Need.Kind.SUPPLY and need.item_id:
        return f"{need.item.name} × {in_unit(need.quantity, need.unit)}"
    if need.kind == Need.Kind.LABOUR:
        return f"{need.trade} × {need.headcount}"
    if need.kind == Need.Kind.DIFFICULTY:
        text = need.description if len(need.description) <= 40 else need.description[:40] + "…"
        return labelled(need.get_difficulty_kind_display(), text)
    return str(need.get_kind_display())


@register.filter
def need_progress(need: Need) -> str:
    """How much of it is met: "600/1000 pieces", "3/5 workers"; empty for a difficulty."""
    if need.kind == Need.Kind.SUPPLY and need.quantity is not None:
        return f"{qty(need.fulfilled_quantity)}/{in_unit(need.quantity, need.unit)}"
    if need.kind == Need.Kind.LABOUR and need.headcount is not None:
        return ngettext(
            "%(filled)d/%(asked)d worker", "%(filled)d/%(asked)d workers", need.headcount
        ) % {
            "filled": need.filled_headcount,
            "asked": need.headcount,
        }
    return ""


@register.filter
def need_percent(need: Need) -> int | None:
    """Percentage met, for a progress bar."""
    if need.kind == Need.Kind.SUPPLY and need.quantity:
        return int(need.fulfilled_quantity * 100 / need.quantity)
    if need.kind == Need.Kind.LABOUR and need.headcount:
        return int(need.filled_headcount * 100 / need.headcount)
    return None


@register.simple_tag
def need_figures(user) -> dict:
    """The dashboard's figures for needs, in one aggregate query over what the user may see:
    every figure is about active needs, so only those are read (not the resolved and cancelled
    ones, most of an association's needs in time)."""
    today = timezone.localdate()
    # Staff: an association's hundreds of thousands of active needs are counted again only
    # after one of them changed, not on every visit to the home page.
    return kept_for(user, f"need_figures:{today.isoformat()}", lambda: _need_figures(user, today))


def _need_figures(user, today) -> dict:
    return (
        selectors.need_list(user=user)
        .filter(status__in=Need.ACTIVE)
        .aggregate(
            active=Count("id"),
            open=Count("id", filter=Q(status=Need.Status.OPEN)),
            overdue=Count("id", filter=Q(needed_by__lt=today)),
            info_requested=Count("id", filter=Q(status=Need.Status.INFO_REQUESTED)),
            escalated=Count("id", filter=Q(status=Need.Status.ESCALATED)),
            answered=Count("id", filter=Q(status=Need.Status.ANSWERED)),
        )
    )
