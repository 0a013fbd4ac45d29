"""API list pages rendered by core.api.plain answer each row exactly as DRF renders the object
on its own (same fields, same formats, contact details hidden from the same readers), with the
same number of queries whatever the page size."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from batches.api.applications import ApplicationSerializer
from batches.selectors import application_list, with_overdue
from enterprises.api import EnterpriseSerializer
from enterprises.selectors import enterprise_list
from supplies.api.serializers import LabourRequestSerializer, SupplyRequestSerializer
from supplies.models import Need
from supplies.selectors import need_list
from tests.conftest import api_as
from tests.factories import (
    ApplicationFactory,
    BatchFactory,
    EnterpriseFactory,
    MembershipFactory,
)
from tests.supplies.conftest import need_in

pytestmark = pytest.mark.django_db


def one_by_one(serializer_class, rows, user) -> list[dict]:
    request = APIRequestFactory().get("/")
    request.user = user
    from rest_framework.request import Request

    drf_request = Request(request)
    drf_request._user = user
    context = {"request": drf_request}
    return json.loads(
        json.dumps([serializer_class(row, context=context).data for row in rows], default=str)
    )


def listed(user, url: str, **params) -> list[dict]:
    response = api_as(user).get(url, {"page_size": 1000, **params})
    assert response.status_code == 200
    return json.loads(json.dumps(response.json()["results"], default=str))


def test_the_enterprise_list_renders_each_row_as_the_object_alone(cast):
    for n in range(3):
        enterprise = EnterpriseFactory(contact_phone=f"1380013800{n}")
        MembershipFactory(enterprise=enterprise, association=cast.association)
    for user in (cast.staff, cast.official, cast.enterprise_user):
        rows = listed(user, "/api/v1/enterprises/", ordering="id")
        expected = one_by_one(EnterpriseSerializer, enterprise_list(user=user).order_by("id"), user)
        assert rows == expected and rows
    hidden = listed(cast.official, "/api/v1/enterprises/")
    assert all(row["contact_phone"] is None for row in hidden)
    assert any(row["contact_phone"] for row in listed(cast.staff, "/api/v1/enterprises/"))


def test_the_needs_and_applications_lists_render_each_row_as_the_object_alone(cast):
    need_in(cast, Need.Status.OPEN, needed_by=timezone.localdate() - timedelta(days=1))
    need_in(cast, Need.Status.ESCALATED)
    need_in(cast, Need.Status.IN_PROGRESS, kind=Need.Kind.LABOUR)
    batch = BatchFactory(association=cast.association)
    ApplicationFactory(batch=batch, enterprise=cast.member)
    for user in (cast.staff, cast.official):
        for url, serializer, kind in (
            ("/api/v1/supply-requests/", SupplyRequestSerializer, Need.Kind.SUPPLY),
            ("/api/v1/labour-requests/", LabourRequestSerializer, Need.Kind.LABOUR),
        ):
            expected = one_by_one(serializer, need_list(user=user, kind=kind).order_by("id"), user)
            assert listed(user, url, ordering="id") == expected
    applications = with_overdue(application_list(user=cast.staff)).order_by("id")
    assert listed(cast.staff, "/api/v1/applications/", ordering="id") == one_by_one(
        ApplicationSerializer, applications, cast.staff
    )


def test_an_api_list_page_runs_the_same_queries_for_ten_rows_and_for_a_thousand(cast):
    for _ in range(12):
        MembershipFactory(enterprise=EnterpriseFactory(), association=cast.association)
        need_in(cast, Need.Status.OPEN)
    client = api_as(cast.staff)
    for url in ("/api/v1/enterprises/", "/api/v1/supply-requests/"):
        client.get(url)  # the caller's scope, read once and kept on the account
        counts = []
        for size in (2, 1000):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url, {"page_size": size}).status_code == 200
            counts.append(len(captured.captured_queries))
        assert counts[0] == counts[1], url
