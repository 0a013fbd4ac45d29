"""An offer's history tells its supplier how much was taken, not what staff wrote about the need."""

import pytest

from supplies import services
from supplies.models import SupplyItem
from tests.conftest import api_as
from tests.supplies.conftest import file_supply, offer_of, supplier_in

pytestmark = pytest.mark.django_db


def test_the_supplier_does_not_read_the_match_note_in_its_offer_history(cast):
    mask = SupplyItem.objects.get(code="mask-medical")
    need = file_supply(cast, mask, quantity="1000")
    supplier = supplier_in(cast.association)
    offer = offer_of(supplier, mask, "600")
    services.match_create(
        actor=cast.staff,
        need_id=need.pk,
        offer_id=offer.pk,
        quantity="100",
        note="送货请联系 华兴 张三 13800138000",
    )
    as_supplier = api_as(supplier)
    assert as_supplier.get(f"/api/v1/supply-requests/{need.pk}/").status_code == 404

    response = as_supplier.get(f"/api/v1/supply-offers/{offer.pk}/history/")

    assert response.status_code == 200
    matched = [event for event in response.json() if event["action"] == "supplyoffer.matched"]
    assert matched and matched[0]["changes"] == {"remaining_quantity": ["600", "500"]}
    assert "13800138000" not in response.content.decode()
