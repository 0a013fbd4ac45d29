"""The portal's own error pages: in Chinese by default, in the portal's layout, saying what
happened and what to do — never Django's bare English pages."""

import pytest
from django.test import Client, RequestFactory

from core import error_views
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_missing_page_is_the_portals_own_page_in_chinese(client):
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-page"' in page and "找不到此页面" in page
    assert "Not Found" not in page


def test_a_forbidden_page_says_who_you_are_and_where_to_go(cast):
    client = Client()
    client.force_login(cast.enterprise_user)
    response = client.get("/members/")
    page = response.content.decode()
    assert response.status_code == 403
    assert "您无权访问此页面" in page and 'href="/dashboard/"' in page
    assert "403 Forbidden" not in page


def test_a_form_without_its_security_token_gets_a_page_saying_what_to_do(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.staff)
    response = client.post("/members/new/", {"form": "new"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "表单未能提交" in page and "CSRF verification failed" not in page


def test_the_server_error_page_renders_without_the_database_or_a_user():
    request = RequestFactory().get("/anything/")
    response = error_views.server_error(request)
    page = response.content.decode()
    assert response.status_code == 500 and "平台出现了错误" in page


def test_a_partners_import_result_does_not_link_to_the_member_list_it_cannot_open(cast):
    from enterprises.models import ImportJob

    job = ImportJob.objects.create(
        association=cast.association, created_by=cast.partner, file_name="members.csv"
    )
    client = Client()
    client.force_login(cast.partner)
    page = client.get(f"/members/import/{job.pk}/").content.decode()
    assert 'href="/members/"' not in page
    client.force_login(cast.staff)
    assert 'href="/members/"' in client.get(f"/members/import/{job.pk}/").content.decode()


def test_the_import_list_names_the_person_not_the_login(cast):
    from enterprises.models import ImportJob

    importer = UserFactory(username="li_w", first_name="李伟", role="staff")
    ImportJob.objects.create(association=cast.association, created_by=importer, file_name="a.csv")
    client = Client()
    client.force_login(cast.staff)
    page = client.get("/members/import/").content.decode()
    assert "李伟" in page
