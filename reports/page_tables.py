"""A report's tables as its page shows them: the cells of reports.tables as text (the text the
downloads write, free text masked the same way), each with its column's name so that a phone
shows a row as a card, and the urgent list in six columns instead of thirteen so that long
summaries and government replies wrap inside the page rather than run off to its right."""

from django.utils.translation import gettext as _

from core.text import labelled
from reports import rendering
from reports.tables import Table, display

# The urgent list's columns, in the order reports.tables.urgent writes them.
URGENT = (
    "id",
    "enterprise",
    "region",
    "kind",
    "need",
    "urgency",
    "filed",
    "age",
    "needed_by",
    "overdue",
    "summary",
    "outcome",
    "reply",
)


def _text(value, kind: str) -> str:
    """What the downloads write in the cell; an unknown rate or quantity shows as —."""
    return rendering.cell_text(value, kind, empty=display(None, kind))


def _cell(lines: list[tuple[str, bool]], *, numeric: bool = False, label: str = "") -> dict:
    """A cell of lines, each (text, secondary); lines without text are left out, so that an
    empty cell is empty (and a phone's card leaves it out). Dates, codes and numbers stay on
    one line in a narrow column; prose wraps."""
    lines = [(text, secondary) for text, secondary in lines if text]
    first = lines[0][0] if lines else ""
    short = len(lines) == 1 and first.isascii() and len(first) <= 12 and " " not in first
    return {"lines": lines, "numeric": numeric, "short": short, "label": label}


def page_table(table: Table, links: dict[str, str] | None = None) -> dict:
    """A table's header, rows and totals for reports/_table_body.html. The first cell of a row
    names its card on a phone; the others carry their column's name. `links`: the address of
    the list behind each headline figure."""
    if table.key == "urgent":
        return _urgent(table)
    links = links or {}
    columns, rows, hints = table.columns, table.rows, [""] * len(table.rows)
    if table.key == "headline":
        # On the page a figure's definition is a line under its name, not a column of its own
        # (which a phone could only show by scrolling); the downloads keep the column.
        columns, rows = columns[:-1], [row[:-1] for row in table.rows]
        hints = [row[-1] for row in table.rows]
    labels = ["", *(column.label for column in columns[1:])]

    def cells(row: list) -> list[dict]:
        return [
            _cell(
                [(_text(value, column.kind), False)],
                numeric=column.kind in rendering.NUMERIC,
                label=label,
            )
            for value, column, label in zip(row, columns, labels, strict=True)
        ]

    keys = table.row_keys or [""] * len(rows)
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [(column.label, column.kind in rendering.NUMERIC) for column in columns],
        "rows": [
            {"cells": cells(row), "link": links.get(key, ""), "hint": hint}
            for row, key, hint in zip(rows, keys, hints, strict=True)
        ],
        "totals": cells(table.totals) if table.totals else None,
    }


def _urgent(table: Table) -> dict:
    """The urgent list in six columns: who, what, how pressing (urgency and its dates), what
    was put to government and its answer. The downloads keep a column per field."""
    labels = dict(zip(URGENT, (column.label for column in table.columns), strict=True))
    kinds = dict(zip(URGENT, (column.kind for column in table.columns), strict=True))
    header = [
        labels["id"],
        labels["enterprise"],
        labels["need"],
        _("Urgency and dates"),
        labels["summary"],
        labels["reply"],
    ]
    rows = []
    for row in table.rows:
        text = {key: _text(value, kinds[key]) for key, value in zip(URGENT, row, strict=True)}
        rows.append({"cells": _urgent_cells(text, labels, header), "link": "", "hint": ""})
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [(label, False) for label in header],
        "rows": rows,
        "totals": None,
    }


def _urgent_cells(text: dict[str, str], labels: dict[str, str], header: list[str]) -> list[dict]:
    def aside(key: str) -> tuple[str, bool]:
        return (labelled(labels[key], text[key]) if text[key] else "", True)

    overdue = labelled(labels["overdue"], text["overdue"]) if text["overdue"] else ""
    pressing = [(text["urgency"], False), aside("filed"), aside("age"), aside("needed_by")]
    lines = [
        [(text["id"], False)],
        [(text["enterprise"], False), (text["region"], True)],
        [(text["kind"], True), (text["need"], False)],
        [*pressing, (overdue, False)],
        [(text["summary"], False)],
        [(text["outcome"], False), (text["reply"], False)],
    ]
    return [_cell(cell, label=label) for cell, label in zip(lines, header, strict=True)]
