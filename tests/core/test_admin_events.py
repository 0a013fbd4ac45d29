"""An edit in the Django admin is in the record's history like any other."""

import pytest
from django.test import Client

from core.workflow import history_for
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def test_an_enterprise_edited_in_the_admin_keeps_old_and_new_values(cast):
    cast.admin.is_staff = True
    cast.admin.is_superuser = True
    cast.admin.save()
    client = Client()
    client.force_login(cast.admin)
    url = f"/admin/enterprises/enterprise/{cast.member.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data["region"] = form.initial["region"]
    data["industry"] = form.initial["industry"]
    data["name"] = "广州华兴新电子有限公司"

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Enterprise.objects.get(pk=cast.member.pk).name == "广州华兴新电子有限公司"
    [event] = history_for(cast.member)
    assert event.action == "enterprise.updated"
    assert event.changes == {"name": ["广州华兴电子有限公司", "广州华兴新电子有限公司"]}
    assert event.actor == cast.admin
