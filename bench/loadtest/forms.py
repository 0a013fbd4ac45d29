"""The forms the simulated people send, read from the page as a browser would and filled in.

Kept free of locust (which patches the standard library when imported), so that the tests post
what these functions fill in to the real views.
"""

import random
from datetime import date, timedelta
from html.parser import HTMLParser


class Form(dict):
    """A POST form's fields as a browser would send them unchanged (text and hidden inputs,
    checked boxes, selected options, text areas; no submit buttons), and each list's options."""

    def __init__(self):
        super().__init__()
        self.choices: dict[str, list[str]] = {}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "form":
            self._form = Form() if (attributes.get("method") or "").lower() == "post" else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "option" and self._select:
            self._option(attributes)
        elif not name:
            return
        elif tag == "input":
            self._input(name, attributes)
        elif tag == "select":
            self._select = name
            self._form.choices[name] = []
        elif tag == "textarea":
            self._textarea = name
            self._form[name] = ""

    def _input(self, name, attributes):
        kind = (attributes.get("type") or "text").lower()
        if kind in ("submit", "button", "image", "file", "reset"):
            return
        if kind in ("checkbox", "radio") and "checked" not in attributes:
            return
        self._form[name] = attributes.get("value") or ("on" if kind == "checkbox" else "")

    def _option(self, attributes):
        value = attributes.get("value") or ""
        options = self._form.choices[self._select]
        if not options or "selected" in attributes:
            self._form[self._select] = value
        options.append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form[self._textarea] += data


def form_with(html: str, field: str) -> Form | None:
    """The page's POST form that has `field`."""
    parser = _Forms()
    parser.feed(html)
    return next((form for form in parser.forms if field in form), None)


def fill_need(form: Form, kind: str, association_id: int, rng: random.Random) -> Form:
    """A need of `kind` filed with `association_id` (asked when the enterprise is a member of
    several associations)."""
    needed_by = (date.today() + timedelta(days=rng.randint(7, 30))).isoformat()
    form["association"] = str(association_id)
    form["urgency"] = rng.choice(("low", "normal", "normal", "high"))
    if kind == "supply":
        items = [value for value in form.choices.get("item", []) if value]
        form.update(item=rng.choice(items), quantity=str(rng.randint(10, 5000)))
        form["needed_by"] = needed_by
    elif kind == "labour":
        form.update(trade="缝纫工", headcount=str(rng.randint(1, 30)), needed_by=needed_by)
    else:
        form.update(difficulty_kind="transport", description="物流运输受阻，原料无法按时到厂。")
    return form


def fill_application(form: Form, rng: random.Random) -> Form:
    """The application as it stands, with a note changed: a write that keeps its figures."""
    form["note_masks_days"] = f"库存核对 {rng.randint(1, 10_000)}"
    return form
