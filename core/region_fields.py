"""The one region field of every form and filter: people type a name (乐昌市), a name with its
parents (广东省韶关市乐昌市), its pinyin (lechang) or the GB/T 2260 code, or pick the region level
by level; the services get the Region.

The picker works without JavaScript (docs/decisions/0008): a text box, and three selects
(province, the province's cities, the city's counties) that the server renders with the chosen
region's parents. In a form, the "next level" button sends the form back with the next list
filled in (the field answers "choose in the next list" so that nothing is saved yet); in a
filter, filtering does the same. static/core/region_picker.js adds suggestions as one types
and fills the lists without a round trip, from the portal's own /regions/ endpoint.
"""

import re

from django import forms
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from core import region_names
from core.models import Region
from core.reference_data import withdrawn_region

HELP_ANY_LEVEL = gettext_lazy(
    "Type a name or a code (e.g. 广东省, 韶关市, 乐昌市 or 440281), or pick it level by level."
)
HELP_COUNTY = gettext_lazy(
    "Type a name or a code of a county-level region (e.g. 乐昌市 or 440281), or pick it level "
    "by level."
)
# Between items: 、，,; or a new line; a space too beside a code or a Chinese name (pinyin
# names have spaces: Chaoyang District).
LIST_SEPARATORS = re.compile(r"[\n,，、;；]+|\s+(?=[0-9\u4e00-\u9fff])|(?<=[0-9\u4e00-\u9fff])\s+")
MAX_CHOICES_LISTED = 8
MAX_LIST = 200  # regions in one list: more is a paste gone wrong, not a batch's area


class RegionPick(str):
    """What the picker sends when its "next level" or "add" button was pressed: not a value to
    save yet. `chosen` is the code chosen in the lists."""

    chosen: str = ""
    added: bool = False

    def __new__(cls, text: str, chosen: str, *, added: bool = False):
        value = super().__new__(cls, text)
        value.chosen = chosen
        value.added = added
        return value


def _listed(places) -> str:
    names = [region_names.full_name(place) for place in places[:MAX_CHOICES_LISTED]]
    text = pgettext("between the names of regions", "; ").join(names)
    if len(places) > MAX_CHOICES_LISTED:
        text += _(" and %(count)d more") % {"count": len(places) - MAX_CHOICES_LISTED}
    return text


def _named_code(place) -> str:
    return _("%(code)s (%(name)s)") % {"code": place.code, "name": region_names.full_name(place)}


def resolve(text: str, *, allow_withdrawn: bool) -> Region:
    """The one region `text` names, or a ValidationError that says what to type instead."""
    places = region_names.find(text)
    if not places:
        if region_names.CODE.fullmatch(region_names.normalise(text)):
            raise forms.ValidationError(
                _("Unknown region code %(code)s (GB/T 2260)."),
                params={"code": text},
                code="unknown_region",
            )
        raise forms.ValidationError(
            _(
                "No region is called “%(name)s”. Type its name as written (e.g. 乐昌市 or "
                "广东省韶关市乐昌市), its pinyin (lechang) or its six-digit code, or pick it "
                "level by level."
            ),
            params={"name": text},
            code="unknown_region",
        )
    if len(places) > 1:
        raise forms.ValidationError(
            _(
                "“%(name)s” matches %(choices)s: type one of them in full, or pick it level "
                "by level."
            ),
            params={"name": text, "choices": _listed(places)},
            code="ambiguous_region",
        )
    region = Region.objects.select_related("successor").filter(code=places[0].code).first()
    if region is None:  # the index is older than the table (a test's region rolled back)
        region_names.forget()
        raise forms.ValidationError(
            _("Unknown region code %(code)s (GB/T 2260)."),
            params={"code": text},
            code="unknown_region",
        )
    if region.successor_id and not allow_withdrawn:
        successor = region.successor
        raise forms.ValidationError(
            withdrawn_region(_named_code(region), _named_code(successor), successor.level),
            code="withdrawn_region",
        )
    return region


def _code(value) -> str:
    code = str(value or "").strip()
    return code if region_names.CODE.fullmatch(code) else ""


class RegionPicker(forms.Widget):
    """A text box for a name or a code, and the lists to pick a region level by level."""

    template_name = "core/widgets/region_picker.html"
    DEPTHS = (1, 2, 3)

    def __init__(self, attrs=None, *, levels: tuple[str, ...] = (), next_button: bool = True):
        super().__init__(attrs)
        self.levels = tuple(levels)
        self.next_button = next_button

    def _render(self, template_name, context, renderer=None):
        # The portal's templates (templates/core/widgets/), not the form renderer's own.
        return loader.render_to_string(template_name, context)

    def use_required_attribute(self, initial) -> bool:
        return False  # the lists may give the value when the text box is empty

    def _chosen(self, data, name: str) -> str:
        """The deepest region chosen in the lists whose parents are the ones chosen above it (a
        city of another province, left from before the province changed, is ignored)."""
        chosen = ""
        for depth in self.DEPTHS:
            code = _code(data.get(f"{name}__{depth}"))
            place = region_names.place_of(code)
            if place is None or (place.parent or "") != chosen:
                break
            chosen = code
        return chosen

    def value_from_datadict(self, data, files, name):
        text = (data.get(name) or "").strip()
        chosen = self._chosen(data, name)
        if data.get(f"{name}__next"):
            return RegionPick(text or chosen, chosen)
        return text or chosen

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and not any(f"{name}__{depth}" in data for depth in self.DEPTHS)

    def format_value(self, value):
        return getattr(value, "code", value) or ""

    def _shown(self, value) -> tuple[str, list]:
        """What the text box shows and the chosen region's chain for the lists: a value that
        names one current region is shown in the lists, anything else as typed."""
        if isinstance(value, RegionPick):
            return "", region_names.chain(value.chosen) if value.chosen else []
        text = str(self.format_value(value))
        places = region_names.find(text) if text else []
        if len(places) == 1 and not places[0].withdrawn:
            return "", region_names.chain(places[0])
        return text, []

    def _lists(self, name: str, chain: list) -> list[dict]:
        lists = []
        parent = None
        for depth in self.DEPTHS:
            options = region_names.children(parent) if depth == 1 or parent else []
            chosen = chain[depth - 1] if len(chain) >= depth else None
            if chosen is not None and chosen not in options:
                options = [*options, chosen]  # a withdrawn code still in use
            lists.append(
                {
                    "name": f"{name}__{depth}",
                    "depth": depth,
                    "label": _level_label(depth, options),
                    "options": [(p.code, p.name, p == chosen) for p in options],
                }
            )
            parent = chosen
        return lists

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        text, chain = self._shown(value)
        context["widget"].update(
            {
                "text": text,
                "lists": self._lists(name, chain),
                "chosen_name": region_names.full_name(chain[-1]) if chain else "",
                "lookup_url": reverse("region-lookup"),
                "levels": ",".join(self.levels),
                "next_button": self.next_button,
                "multiple": False,
            }
        )
        return context


def _level_label(depth: int, options) -> str:
    if depth == 1:
        return pgettext("region picker", "Province")
    if depth == 3 or (options and all(p.level == Region.Level.COUNTY for p in options)):
        return pgettext("region picker", "District or county")
    return pgettext("region picker", "City")


class RegionField(forms.Field):
    """A region given by name, pinyin or code (see core.region_names), cleaned to a Region.

    A withdrawn code is refused with the region that replaced it, unless `allow_withdrawn`
    (filters: records and reports keep their withdrawn regions). The level a form needs is
    checked by its service, as before; `levels` only narrows the suggestions."""

    widget = RegionPicker

    def __init__(
        self, *, allow_withdrawn: bool = False, levels: tuple[str, ...] = (), **kwargs
    ) -> None:
        kwargs.setdefault("label", gettext_lazy("Region"))
        kwargs.setdefault(
            "help_text", HELP_COUNTY if levels == (Region.Level.COUNTY,) else HELP_ANY_LEVEL
        )
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.allow_withdrawn = allow_withdrawn
        self.widget.levels = tuple(levels)

    def prepare_value(self, value):
        return getattr(value, "code", value)

    def to_python(self, value) -> Region | None:
        if isinstance(value, RegionPick):
            raise forms.ValidationError(_picking_message(value.chosen), code="picking")
        if isinstance(value, Region):
            return value
        text = "" if value in self.empty_values else str(value).strip()
        if not text:
            return None
        return resolve(text, allow_withdrawn=self.allow_withdrawn)


def _picking_message(chosen: str) -> str:
    place = region_names.place_of(chosen)
    if place is None:
        return _("Choose a province in the first list, or type the region's name.")
    params = {"name": region_names.full_name(place)}
    if region_names.children(place):
        return _("%(name)s chosen: choose in the next list, or save to keep it.") % params
    return _("%(name)s chosen: save to keep it.") % params


class RegionFilterField(RegionField):
    """A list's region filter: any level, withdrawn codes too (old records keep them); the
    list's own "filter" button shows the next list, so there is no "next level" button."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_withdrawn", True)
        super().__init__(**kwargs)
        self.widget.next_button = False


class RegionListPicker(RegionPicker):
    """Several regions in one text box, separated by 、; the lists add one at a time."""

    def value_from_datadict(self, data, files, name):
        text = (data.get(name) or "").strip()
        chosen = self._chosen(data, name)
        if data.get(f"{name}__add") and chosen:
            return RegionPick(
                "、".join(item for item in (text, chosen) if item), chosen, added=True
            )
        if data.get(f"{name}__next"):
            return RegionPick(text, chosen)
        return text

    def _shown(self, value) -> tuple[str, list]:
        if isinstance(value, list | tuple):
            text = "、".join(region_names.list_name(region) for region in value)
        else:
            text = str(value or "")
        shown = []
        for item in split_list(text):
            places = region_names.find(item)
            shown.append(region_names.list_name(places[0]) if len(places) == 1 else item)
        picking = isinstance(value, RegionPick) and value.chosen and not value.added
        return "、".join(shown), region_names.chain(value.chosen) if picking else []

    def format_value(self, value):
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["multiple"] = True
        return context


def split_list(text: str) -> list[str]:
    """The items of a list of regions: separated by 、，,; or new lines (codes also by spaces)."""
    return list(
        dict.fromkeys(item.strip() for item in LIST_SEPARATORS.split(text or "") if item.strip())
    )


class RegionListField(forms.Field):
    """Regions at any level given by name, pinyin or code, separated by 、 or commas; each
    item that names no region, or several, is named in the error."""

    widget = RegionListPicker

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "Names or codes at any level, separated by 、 (e.g. 广东省、深圳市、乐昌市), or "
                "pick each level by level and add it."
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value

    def to_python(self, value) -> list[Region]:
        if isinstance(value, RegionPick):
            place = region_names.place_of(value.chosen)
            if value.added and place is not None:
                message = _("%(name)s added: add another, or save.") % {
                    "name": region_names.full_name(place)
                }
            else:
                message = _picking_message(value.chosen)
            raise forms.ValidationError(message, code="picking")
        if isinstance(value, list | tuple):
            return list(value)
        items = split_list("" if value in self.empty_values else str(value))
        if len(items) > MAX_LIST:
            raise forms.ValidationError(
                _("Give at most %(max)d regions; a whole province or city counts as one."),
                params={"max": MAX_LIST},
                code="too_many_regions",
            )
        regions, errors, unknown_codes = [], [], []
        for item in items:
            try:
                regions.append(resolve(item, allow_withdrawn=False))
            except forms.ValidationError as error:
                if error.code == "unknown_region" and region_names.CODE.fullmatch(item):
                    unknown_codes.append(item)
                else:
                    errors.append(error)
        if unknown_codes:
            errors.insert(
                0,
                forms.ValidationError(
                    _("Unknown region codes (GB/T 2260): %(codes)s."),
                    params={"codes": ", ".join(unknown_codes)},
                    code="unknown_region",
                ),
            )
        if errors:
            raise forms.ValidationError(errors)
        return list({region.code: region for region in regions}.values())

    def validate(self, value) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")
