"""The demo reads as a Chinese association's records would: its batch's name agrees with its dates,
and the reasons in its histories are Chinese."""

import re

import pytest
from django.utils import timezone

from batches.models import Batch
from core.models import Event
from demo.data import load_demo_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    load_demo_data()


def test_the_demo_batch_names_no_year_other_than_its_own(demo):
    for batch in Batch.objects.all():
        years = {int(year) for year in re.findall(r"(\d{4})年", batch.name)}
        assert years <= {timezone.localtime(batch.opens_at).year}, batch.name


def test_the_reasons_in_the_demo_histories_are_chinese(demo):
    reasons = set(Event.objects.exclude(reason="").values_list("reason", flat=True))
    assert reasons
    assert all(re.search(r"[\u4e00-\u9fff]", reason) for reason in reasons), reasons
