"""Chinese pages put full-width punctuation between the pieces they join (：，（）), not the
ASCII marks the English text uses."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from enterprises.models import ImportJob

pytestmark = pytest.mark.django_db


def test_the_officials_dashboard_names_the_jurisdiction_with_chinese_punctuation(cast, client):
    client.force_login(cast.official)
    page = client.get(reverse("dashboard")).content.decode()
    assert re.search(r"管辖区域：<strong>[^<]+</strong>（440000）", page)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("dashboard")).content.decode()
    assert re.search(r"Jurisdiction: <strong>[^<]+</strong> \(440000\)", page)


def test_an_import_result_is_titled_with_a_chinese_colon(cast, client):
    job = ImportJob.objects.create(
        association=cast.association, created_by=cast.staff, file_name="members.csv"
    )
    client.force_login(cast.staff)
    page = client.get(reverse("member-import-job", args=[job.pk])).content.decode()
    assert "<h1>导入：members.csv</h1>" in page
