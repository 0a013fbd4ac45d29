"""`make run` works on SQLite, not PostgreSQL: every demo login's home page (and the regions'
pictures and follow-up lists it links to, the services, complaints and pledges pages) answers
there too, with the demo's rollups made when
the data was loaded. Date arithmetic that PostgreSQL reads one way and SQLite another (date +
integer is a date on one, a number on the other) shows here first."""

import pytest

from tests.make_run import MIGRATED, run_as_make_run

pytestmark = pytest.mark.slow

SCRIPT = (
    MIGRATED
    + """
call_command("load_demo_data", verbosity=0)

from django.test import Client
from core.models import User
from demo.accounts import DEMO_USERNAMES
from reports.models import RollupDay

answers = {"rolled_up_days": RollupDay.objects.count()}
for username in DEMO_USERNAMES:
    client = Client()
    client.force_login(User.objects.get(username=username))
    for url in ("/dashboard/", "/dashboard/region/440000/", "/needs/overdue/",
                "/batches/follow-up/not-resumed/", "/api/v1/dashboard/", "/api/v1/rollups/",
                "/services/", "/services/requests/", "/services/providers/", "/complaints/",
                "/pledges/", "/api/v1/complaints/", "/api/v1/service-requests/"):
        answers[f"{username} {url}"] = client.get(url).status_code
from market.models import Complaint, Pledge
for pledge in Pledge.objects.all():
    answers[f"anonymous /pledges/{pledge.pk}/"] = Client().get(f"/pledges/{pledge.pk}/").status_code
staff = Client()
staff.force_login(User.objects.get(username="staff"))
for complaint in Complaint.objects.all():
    url = f"/complaints/{complaint.pk}/"
    answers[f"staff {url}"] = staff.get(url).status_code
print(json.dumps(answers))
"""
)


def test_every_demo_login_finds_its_home_page_on_sqlite(tmp_path):
    answers = run_as_make_run(
        tmp_path,
        SCRIPT,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )

    assert answers.pop("rolled_up_days") == 30
    errors = {page: status for page, status in answers.items() if status >= 500}
    assert errors == {}
    home_pages = {page: status for page, status in answers.items() if page.endswith(" /dashboard/")}
    assert set(home_pages.values()) == {200}
