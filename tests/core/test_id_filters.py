"""An id in a list's query string is a whole number from 1 to 2⁶³ − 1: anything else (too large
for the database, a float, an exponent, a sign, letters) is refused with a 400 that names the
parameter, before the database is asked (SQLite raises on an integer past 64 bits), on every
list that filters by an id."""

import importlib

import django_filters
import pytest
from django.urls import reverse

from core.filters import MAX_ID, IdField, IdFilter
from tests.conftest import api_as

BAD_IDS = [
    "99999999999999999999",
    "9223372036854775808",  # 2**63: one past the largest bigint
    "1e20",
    "1E3",
    "1.5",
    "2.0",
    "-1",
    "0",
    "+5",
    "0x10",
    "1_000",
    "１２",  # full-width digits
    "abc",
]

# Every list endpoint and the id parameters it filters by.
ID_PARAMETERS = [
    ("/api/v1/enterprises/", "association"),
    ("/api/v1/enterprise-claims/", "enterprise"),
    ("/api/v1/memberships/", "association"),
    ("/api/v1/memberships/", "enterprise"),
    ("/api/v1/supply-requests/", "association"),
    ("/api/v1/supply-requests/", "enterprise"),
    ("/api/v1/labour-requests/", "enterprise"),
    ("/api/v1/difficulties/", "association"),
    ("/api/v1/supply-offers/", "association"),
    ("/api/v1/supply-offers/", "enterprise"),
    ("/api/v1/batches/", "association"),
    ("/api/v1/applications/", "batch"),
    ("/api/v1/applications/", "association"),
    ("/api/v1/applications/", "enterprise"),
    ("/api/v1/reports/", "association"),
    ("/api/v1/services/", "provider"),
    ("/api/v1/service-requests/", "service"),
    ("/api/v1/service-requests/", "assignee"),
    ("/api/v1/hardship-assessments/", "association"),
    ("/api/v1/hardship-assessments/", "enterprise"),
    ("/api/v1/hardship-assessments/hardest-hit/", "association"),
    ("/api/v1/complaints/", "association"),
    ("/api/v1/complaints/", "respondent"),
    ("/api/v1/pledge-signatures/", "enterprise"),
    ("/api/v1/relief-grants/", "scheme"),
    ("/api/v1/relief-grants/", "enterprise"),
]


# --- the field ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", BAD_IDS)
def test_the_id_field_refuses_anything_but_an_id_the_database_can_hold(value):
    with pytest.raises(django_filters.fields.forms.ValidationError) as refused:
        IdField(required=False).clean(value)
    assert str(MAX_ID) in refused.value.messages[0]


@pytest.mark.parametrize(("value", "expected"), [("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID)])
def test_the_id_field_reads_an_id(value, expected):
    assert IdField(required=False).clean(value) == expected


def test_an_empty_id_filters_nothing():
    assert IdField(required=False).clean("") is None


# --- every list through the API -----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999", "1e20", "1.5", "-1"])
@pytest.mark.parametrize(("url", "parameter"), ID_PARAMETERS)
def test_a_malformed_id_is_a_400_naming_the_parameter(cast, url, parameter, value):
    response = api_as(cast.admin).get(url, {parameter: value})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [parameter]
    assert str(MAX_ID) in body["fields"][parameter][0]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "parameter"), ID_PARAMETERS)
def test_the_largest_id_is_valid_and_finds_nothing(cast, url, parameter):
    response = api_as(cast.admin).get(url, {parameter: str(MAX_ID)})

    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


@pytest.mark.django_db
def test_the_message_says_what_to_fix_in_english_too(cast):
    response = api_as(cast.admin).get(
        "/api/v1/memberships/", {"enterprise": "1e20"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.json()["fields"]["enterprise"] == [
        f"Give an id: a whole number from 1 to {MAX_ID}, in digits only."
    ]


# --- the pages ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "parameter", "user"),
    [
        ("need-list", "item", "staff"),
        ("application-list", "batch", "staff"),
        ("report-list", "association", "staff"),
        ("member-list", "association", "staff"),
        ("member-list", "enterprise", "staff"),
    ],
)
def test_a_page_ignores_a_malformed_id_rather_than_failing(cast, client, page, parameter, user):
    client.force_login(cast.by_role(user))

    response = client.get(reverse(page), {parameter: "99999999999999999999"})

    assert response.status_code == 200


# --- every filter set ---------------------------------------------------------------------

FILTER_MODULES = [
    "enterprises.filters",
    "members.filters",
    "supplies.api.filters",
    "supplies.forms",
    "batches.api.applications",
    "batches.api.batches",
    "batches.forms",
    "reports.api",
    "reports.forms",
    "associations.api",
    "core.api.views",
    "core.api.notifications",
    "services.api",
    "cases.api",
    "relief.api_assessments",
    "relief.api_schemes",
    "market.api",
]
# Query parameters that name a row by its id, whatever the filter set.
ID_NAMES = {"association", "enterprise", "batch", "item", "user", "need", "offer"}


def filter_sets() -> list[type[django_filters.FilterSet]]:
    for module in FILTER_MODULES:
        importlib.import_module(module)
    found, todo = [], [django_filters.FilterSet]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] != "django_filters":
                found.append(sub)
    return found


def test_every_filter_by_id_is_an_id_filter():
    plain = [
        f"{filter_set.__module__}.{filter_set.__name__}.{name}"
        for filter_set in filter_sets()
        for name, given in filter_set.base_filters.items()
        if not isinstance(given, IdFilter)
        and not isinstance(given, django_filters.CharFilter)
        and (
            name in ID_NAMES
            or (given.field_name or "").endswith("_id")
            or isinstance(given, django_filters.ModelChoiceFilter)
        )
    ]
    assert plain == []


@pytest.mark.django_db
def test_a_filter_set_refuses_an_out_of_range_id_without_asking_the_database(
    django_assert_num_queries,
):
    checked = 0
    for filter_set in filter_sets():
        for name, given in filter_set.base_filters.items():
            if not isinstance(given, IdFilter):
                continue
            model = filter_set._meta.model
            filters = filter_set({name: "99999999999999999999"}, queryset=model.objects.none())
            with django_assert_num_queries(0):
                assert not filters.is_valid()
            assert name in filters.errors
            checked += 1
    assert checked >= len(ID_PARAMETERS)
