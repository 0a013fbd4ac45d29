"""The audit viewer's filters: person, object, action, days (Asia/Shanghai), and where a page
starts (`before`, an event id)."""

import re
from datetime import datetime, time, timedelta

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.access import is_admin
from core.models import Event, User
from operations.audit import government_side, model_of, reads_as_government

ACTION = re.compile(r"^[a-z_]+(\.[a-z_-]*)?$")
# The log is of the portal's years: a day outside them is a typing error (and one at the end of
# the calendar has no next day to end the range with).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class AuditFilterForm(forms.Form):
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=150,
        help_text=_("Part of their name."),
    )
    kind = forms.ChoiceField(label=_("Object"), required=False)
    object_id = forms.IntegerField(label=_("Object number"), required=False, min_value=1)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=64,
        help_text=_("Exactly, as need.matched, or all of one kind, as need."),
    )
    since = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, user, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = [("", _("Any object")), *kinds]
        if is_admin(user):
            self.fields["person"].help_text = _("Part of their name, or their login name.")

    def clean_action(self) -> str:
        action = self.cleaned_data["action"].strip().lower()
        if action and not ACTION.match(action):
            raise forms.ValidationError(
                _(
                    "Write an action as the log names it: the object and what happened "
                    "(need.matched), or the object and a dot for all of its actions (need.)."
                )
            )
        return action

    def _plausible_day(self, name: str):
        day = self.cleaned_data[name]
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise forms.ValidationError(
                _("Give a day between the years %(first)d and %(last)d.")
                % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
            )
        return day

    def clean_since(self):
        return self._plausible_day("since")

    def clean_until(self):
        return self._plausible_day("until")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until", _("The last day comes before the first; swap them or change one.")
            )
        if data.get("object_id") and not data.get("kind"):
            self.add_error("kind", _("Say which kind of object the number is of."))
        return data

    def filter(self, events: QuerySet[Event]) -> QuerySet[Event]:
        """`events` narrowed by the valid filters (call after is_valid)."""
        data = self.cleaned_data
        if person := data.get("person", "").strip():
            events = self._by_person(events, person)
        if kind := data.get("kind"):
            model = model_of(kind)
            events = events.filter(content_type=ContentType.objects.get_for_model(model))
            if data.get("object_id"):
                events = events.filter(object_id=data["object_id"])
        if action := data.get("action"):
            if "." not in action:
                action += "."
            # An action is named by its subject's model (core.workflow.action_name): asked as
            # that kind too, so that the log is read by the kind's indexes and the parts of an
            # official's log of the other kinds are left out unread (operations.audit).
            kinds = self._kinds_of(action)
            if len(kinds) == 1:
                events = events.filter(content_type_id=kinds[0])
            if not action.endswith("."):
                events = events.filter(action=action)
            elif len(kinds) != 1:
                # (All of one kind is that kind's events: asked so, PostgreSQL estimates the
                # rows from the kind's own statistics and not as a rarer action of any kind.)
                events = events.filter(action__startswith=action)
        if since := data.get("since"):
            events = events.filter(at__gte=_start_of(since))
        if until := data.get("until"):
            events = events.filter(at__lt=_start_of(until + timedelta(days=1)))
        return events

    def _kinds_of(self, action: str) -> list[int]:
        """The content types named by an action's first part (read once: the filter is applied
        to each part of an official's log)."""
        if not hasattr(self, "_action_kinds"):
            self._action_kinds = list(
                ContentType.objects.filter(model=action.split(".", 1)[0]).values_list(
                    "pk", flat=True
                )
            )
        return self._action_kinds

    def _by_person(self, events: QuerySet[Event], text: str) -> QuerySet[Event]:
        names = Q(full_name__icontains=text) | Q(family_first__icontains=text)
        if is_admin(self.user):
            names |= Q(username__iexact=text)
        people = (
            User.objects.annotate(
                full_name=Concat("first_name", Value(" "), "last_name"),
                family_first=Concat("last_name", "first_name"),
            )
            .filter(names)
            .values("pk")
        )
        events = events.filter(actor__in=people)
        if reads_as_government(self.user):
            # Who acted on the association's side is not government's to read, nor to find.
            events = events.filter(government_side())
        return events

    def query_without_before(self) -> str:
        """The filters as a query string, to page on from."""
        params = self.data.copy()
        params.pop("before", None)
        return params.urlencode()


def _start_of(day) -> datetime:
    """The first moment of `day` in the portal's time zone (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(day, time.min))
