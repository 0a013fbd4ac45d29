"""Charts drawn on the server: each function turns figures into the geometry and the texts that
one template of `templates/core/charts/` draws as inline SVG (or, for the heat map, as a shaded
table). No script runs and nothing is fetched, so a chart works offline, under the portal's CSP,
and prints as it shows; each comes with its figures as a table for screen readers and print.

    {% include "core/charts/_trend.html" with chart=trend_chart %}

Values of a percent chart are rates as fractions (0.2500), shown as the reports show them
("25.00%": two decimals, half to even, never rounded twice). Colours come from
`static/core/charts.css`: one hue, darker for more, so a chart reads in greyscale; a second
line differs by its dash and its markers too, not by colour alone.
"""

import math
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.text import labelled

Number = int | float | Decimal

# The trend's box, in SVG units: narrow enough that its 12-unit text stays readable when a
# phone shrinks the chart to 330 px, and the stylesheet caps how far a desk widens it.
TREND_WIDTH, TREND_HEIGHT = 360, 200
TREND_PLOT = {"left": 40, "right": 294, "top": 12, "bottom": 172}
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 3
HEAT_CLASSES = 5  # heat-1 … heat-5 above heat-0 (nothing)
DENSE_POINTS = 31  # above this many days a line's dots are hidden (still hoverable)


def percent_text(rate: Number | None) -> str:
    """A rate as a percentage with two decimals, as `batches.figures.percent_text` writes it
    (0.2500 → "25.00%"); "—" when there is none."""
    if rate is None:
        return "—"
    return f"{(Decimal(str(rate)) * 100).quantize(Decimal('0.01'))}%"


def number_text(value: Number | None) -> str:
    """A count as a reader writes it: 38, 12.5; "—" when there is none."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{Decimal(str(value)).quantize(Decimal('0.01')).normalize():f}"


def value_text(value: Number | None, percent: bool) -> str:
    return percent_text(value) if percent else number_text(value)


def nice_ticks(top: float, count: int = 4, *, whole: bool = True) -> list[float]:
    """Round steps from 0 to at least `top` (0, 5, 10, 15, 20 for 17): 1, 2, 2.5 or 5 times a
    power of ten; with `whole`, steps of at least 1 once the top reaches 1 (counts)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(nice * power for nice in (1, 2, 2.5, 5, 10) if raw <= nice * power * (1 + 1e-9))
    if whole and top >= 1:
        step = max(step, 1)
    steps = math.ceil(top / step - 1e-9)
    return [round(index * step, 10) for index in range(steps + 1)]


def _scaled(value: float, top: float, low: float, high: float) -> float:
    """Where a value from 0 to `top` falls between the pixels `low` (0) and `high` (top)."""
    return round(low + (high - low) * (value / top if top else 0), 2)


# --- trend: a line over days ---------------------------------------------------------------


def _day_x(day: date, first: date, span: int) -> float:
    left, right = TREND_PLOT["left"], TREND_PLOT["right"]
    if span == 0:
        return round((left + right) / 2, 2)
    return _scaled((day - first).days, span, left, right)


def _x_ticks(first: date, span: int) -> list[dict]:
    """A few days spread over the axis, the first and the last among them."""
    count = min(5, span + 1)
    days = (
        {first}
        if count == 1
        else {
            date.fromordinal(first.toordinal() + round(index * span / (count - 1)))
            for index in range(count)
        }
    )
    return [{"x": _day_x(day, first, span), "text": f"{day:%m-%d}"} for day in sorted(days)]


def _series(points, *, label: str, kind: str, first: date, span: int, top: float, percent: bool):
    """One line: its runs of days with a value (a day without one breaks the line), a dot with
    a title per value, and where its last value is."""
    segments, run, dots = [], [], []
    for day, value in sorted(points, key=lambda point: point[0]):
        if value is None:
            segments.append(run)
            run = []
            continue
        x = _day_x(day, first, span)
        y = _scaled(float(value), top, TREND_PLOT["bottom"], TREND_PLOT["top"])
        text = value_text(value, percent)
        run.append((x, y))
        title = labelled(f"{label} {day.isoformat()}", text)
        # a square marker's corner, for the second line (told apart by its markers too)
        corner = {"left": round(x - 2.5, 2), "top": round(y - 2.5, 2)}
        dots.append({"x": x, "y": y, "title": title, "text": text, **corner})
    segments.append(run)
    return {
        "label": label,
        "kind": kind,
        "paths": ["M" + " L".join(f"{x},{y}" for x, y in run) for run in segments if len(run) > 1],
        "lone": [dot for dot in dots if _alone(dot, segments)],
        "dots": dots,
        "last": dots[-1] if dots else None,
    }


def _alone(dot: dict, segments: list[list]) -> bool:
    return [(dot["x"], dot["y"])] in segments


def _y_axis(values: list[float], percent: bool) -> tuple[float, list[dict]]:
    """The top of the scale and its gridlines: 0 to 100 % for rates, 0 to a round number at or
    above the largest value for counts."""
    if percent and max(values, default=0) <= 1:
        ticks = [0, 0.25, 0.5, 0.75, 1]
    else:
        ticks = nice_ticks(max([0, *values]), whole=not percent)
    top = ticks[-1]
    lines = []
    for tick in ticks:
        text = f"{tick * 100:g}%" if percent else number_text(tick)
        lines.append(
            {"y": _scaled(tick, top, TREND_PLOT["bottom"], TREND_PLOT["top"]), "text": text}
        )
    return top, lines


def trend(
    points: Sequence[tuple[date, float | None]],
    *,
    label: str,
    percent: bool = True,
    compare: Sequence[tuple[date, float | None]] | None = None,
    compare_label: str = "",
) -> dict:
    """A line over days (30 or 90 of them), a gap where a day has no value, the last value
    written at its end; `compare` a second, dashed line. Percent charts run from 0 to 100 %,
    counts from 0 to a round number above the largest."""
    compare = compare or []
    days = sorted({day for day, _value in [*points, *compare]})
    values = [float(v) for _day, v in [*points, *compare] if v is not None]
    top, y_ticks = _y_axis(values, percent)
    first, span = (days[0], (days[-1] - days[0]).days) if days else (date.today(), 0)
    shape = {"first": first, "span": span, "top": top, "percent": percent}
    series = [_series(points, label=label, kind="main", **shape)]
    if compare:
        series.append(_series(compare, label=compare_label, kind="compare", **shape))
    _place_last_labels(series)
    return {
        "label": label,
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "plot": TREND_PLOT,
        "y_ticks": y_ticks,
        "x_ticks": _x_ticks(first, span) if days else [],
        "series": series,
        "dense": len(days) > DENSE_POINTS,
        "summary": _trend_summary(series),
        "table": _trend_table(days, series, [points, compare][: len(series)], percent),
    }


def _trend_table(days: list[date], series: list[dict], lines: list, percent: bool) -> dict:
    """The data table: a row a day, a column a line, "—" where a line has no value."""
    by_day = [dict(line) for line in lines]
    return {
        "head": [_("Day"), *(line["label"] for line in series)],
        "rows": [
            [day.isoformat(), *(value_text(d.get(day), percent) for d in by_day)] for day in days
        ],
    }


def _place_last_labels(series: list[dict]) -> None:
    """Each line's last value beside its end, the second moved clear of the first."""
    for line in series:
        if line["last"]:
            line["last_label"] = {"x": TREND_PLOT["right"] + 6, "y": line["last"]["y"] + 4}
    if len(series) == 2 and series[0]["last"] and series[1]["last"]:
        main, other = series[0]["last_label"], series[1]["last_label"]
        if abs(main["y"] - other["y"]) < 13:
            other["y"] = main["y"] + 13 if other["y"] >= main["y"] else main["y"] - 13


def _trend_summary(series: list[dict]) -> str:
    """What a screen reader says of the chart before the table: each line's last value."""
    parts = [line["last"]["title"] if line["last"] else line["label"] for line in series]
    return pgettext("between the items of a list", "; ").join(parts)


# --- sparkline: a small line beside a figure ----------------------------------------------


def sparkline(
    points: Sequence[tuple[date, int | float | None]], *, label: str, percent: bool = False
) -> dict:
    """A small line (120 × 32) of a figure over days, from its lowest to its highest value, so
    that the shape shows; its title says the first and the last value and their days."""
    known = sorted((day, value) for day, value in points if value is not None)
    days = sorted(day for day, _value in points)
    low = min((float(v) for _d, v in known), default=0.0)
    high = max((float(v) for _d, v in known), default=0.0)
    span = (days[-1] - days[0]).days if days else 0

    def at(day: date, value) -> tuple[float, float]:
        x = (
            _scaled((day - days[0]).days, span, SPARK_PAD, SPARK_WIDTH - SPARK_PAD)
            if span
            else (SPARK_WIDTH / 2)
        )
        middle = SPARK_HEIGHT / 2
        y = (
            middle
            if high == low
            else _scaled(float(value) - low, high - low, SPARK_HEIGHT - SPARK_PAD, SPARK_PAD)
        )
        return round(x, 2), round(y, 2)

    runs, run = [], []
    for day, value in sorted(points, key=lambda point: point[0]):
        if value is None:
            runs.append(run)
            run = []
        else:
            run.append(at(day, value))
    runs.append(run)
    return {
        "label": label,
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
        "paths": ["M" + " L".join(f"{x},{y}" for x, y in r) for r in runs if len(r) > 1],
        "lone": [r[0] for r in runs if len(r) == 1],
        "last": at(*known[-1]) if known else None,
        "title": _spark_title(label, known, percent),
    }


def _spark_title(label: str, known: list, percent: bool) -> str:
    if not known:
        return labelled(label, "—")
    (first_day, first), (last_day, last) = known[0], known[-1]
    return _("%(label)s: %(first)s on %(first_day)s, %(last)s on %(last_day)s") % {
        "label": label,
        "first": value_text(first, percent),
        "first_day": first_day.isoformat(),
        "last": value_text(last, percent),
        "last_day": last_day.isoformat(),
    }


# --- ranked bars ---------------------------------------------------------------------------


def _bar(value, top: float, percent: bool, text: str | None) -> dict:
    shown = text or value_text(value, percent)
    if value is None:
        return {"value": None, "width": None, "text": shown}
    width = _scaled(float(value), top, 0, 100)
    if value and width < 0.5:
        width = 0.5  # a small value stays visible
    return {"value": value, "width": min(width, 100), "text": shown}


def ranked_bars(
    rows: Sequence[Mapping],
    *,
    percent: bool = True,
    value_label: str = "",
    compare_label: str = "",
    label_header: str = "",
    caption: str = "",
    unit: str = "",
) -> dict:
    """Horizontal bars in the order given (the caller ranks them), each row's label a link when
    it has an `href`; a row without a value shows "—" and no bar. A percent bar is measured
    against 100 %, a count against the largest count (full width). With `compare_label`, each
    row's `compare` value is a second, thinner and lighter bar under the first (its `compare_text`
    as shown)."""
    values = [
        float(row[key]) for row in rows for key in ("value", "compare") if row.get(key) is not None
    ]
    top = max([1.0, *values]) if percent else max([0.0, *values])
    bars = []
    for row in rows:
        bar = {"label": row["label"], "href": row.get("href") or ""}
        bar["main"] = _bar(row.get("value"), top, percent, row.get("text"))
        bar["title"] = labelled(str(row["label"]), bar["main"]["text"])
        if compare_label:
            bar["compare"] = _bar(row.get("compare"), top, percent, row.get("compare_text"))
            bar["compare_title"] = labelled(
                str(row["label"]), f"{compare_label} {bar['compare']['text']}"
            )
        bars.append(bar)
    value_label = value_label or (_("Rate") if percent else _("Number"))
    head = [label_header or _("Name"), value_label, *([compare_label] if compare_label else [])]
    return {
        "bars": bars,
        "percent": percent,
        "value_label": value_label,
        "compare_label": compare_label,
        "caption": caption,
        "unit": unit,
        "table": {
            "head": head,
            "rows": [
                [
                    bar["label"],
                    bar["main"]["text"],
                    *([bar["compare"]["text"]] if compare_label else []),
                ]
                for bar in bars
            ],
        },
    }


# --- heat map ------------------------------------------------------------------------------


def heat_class(value: int | None, top: int) -> int:
    """0 for nothing; otherwise 1 … 5 by the value's fifth of the table's largest."""
    if not value or top <= 0:
        return 0
    return max(1, min(HEAT_CLASSES, math.ceil(value * HEAT_CLASSES / top)))


def heatmap(
    rows: Sequence[Mapping],
    columns: Sequence[Mapping],
    cells: Sequence[Sequence[Mapping]],
    *,
    caption: str = "",
    corner: str = "",
) -> dict:
    """A table whose cells are shaded by their value against the table's largest (heat-0 …
    heat-5), each number a link to what it counts; the table is its own data table."""
    top = max((cell.get("value") or 0 for line in cells for cell in line), default=0)
    return {
        "caption": caption,
        "corner": corner,
        "columns": [{"label": c["label"], "href": c.get("href") or ""} for c in columns],
        "rows": [
            {
                "label": row["label"],
                "href": row.get("href") or "",
                "cells": [
                    {
                        "value": cell.get("value") or 0,
                        "href": cell.get("href") or "",
                        "title": cell.get("title") or "",
                        "marks": cell.get("marks") or "",
                        "heat": heat_class(cell.get("value"), top),
                    }
                    for cell in line
                ],
            }
            for row, line in zip(rows, cells, strict=True)
        ],
        "top": top,
        "legend": _heat_legend(top),
    }


def _heat_legend(top: int) -> list[dict]:
    """The values each shade stands for (0, 1–2, 3–4 …), a shade that no whole number falls in
    left out."""
    if top <= 0:
        return []
    keys = [{"heat": 0, "text": "0"}]
    for heat in range(1, HEAT_CLASSES + 1):
        low = math.floor((heat - 1) * top / HEAT_CLASSES) + 1
        high = math.floor(heat * top / HEAT_CLASSES)
        if low <= high:
            keys.append({"heat": heat, "text": str(low) if low == high else f"{low}–{high}"})
    return keys
