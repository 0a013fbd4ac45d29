"""How quantities and titles read: English puts units in the plural ("5000 pieces"), Chinese
takes full-width punctuation, and a title never ends in two marks ("…通行证。：已上报政府")."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core.models import Notification
from supplies import services
from supplies.models import Need, in_unit
from tests.supplies.conftest import need_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("quantity", "unit", "english", "chinese"),
    [
        (Decimal("5000"), "piece", "5000 pieces", "5000 个"),
        (Decimal("1"), "box", "1 box", "1 盒"),
        (Decimal("0"), "bottle", "0 bottles", "0 瓶"),
        (Decimal("2.500"), "tonne", "2.5 tonnes", "2.5 吨"),
        (Decimal("12"), "kg", "12 kg", "12 千克"),
        (Decimal("3"), "m3", "3 cubic metres", "3 立方米"),
    ],
)
def test_a_quantity_reads_with_its_unit_in_each_language(quantity, unit, english, chinese):
    with translation.override("en"):
        assert in_unit(quantity, unit) == english
    with translation.override("zh-hans"):
        assert in_unit(quantity, unit) == chinese


def test_the_need_page_in_english_puts_the_unit_in_the_plural(cast, client):
    need = need_in(cast, Need.Status.OPEN)  # 1000 medical masks
    client.force_login(cast.staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("need-detail", args=[need.pk])).content.decode()
    assert "1000 pieces" in page
    assert "1000 piece<" not in page and "1000 piece " not in page


def test_a_difficulty_reads_with_chinese_punctuation(cast, client):
    need = need_in(cast, Need.Status.OPEN, kind=Need.Kind.DIFFICULTY)
    client.force_login(cast.staff)
    page = client.get(reverse("need-detail", args=[need.pk])).content.decode()
    assert "困难诉求：交通物流" in page
    assert ": 交通物流" not in page


def test_a_notification_title_does_not_double_the_punctuation(cast):
    need = need_in(
        cast,
        Need.Status.IN_PROGRESS,
        kind=Need.Kind.DIFFICULTY,
        description="运输车辆缺少通行证。",
    )
    services.need_escalate(actor=cast.staff, need_id=need.pk, summary="请交通部门协助办理。")
    titles = set(Notification.objects.values_list("title", flat=True))
    assert titles == {"交通物流：运输车辆缺少通行证：已上报政府"}
