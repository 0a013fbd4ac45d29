"""Notices at the scale of a large association: a notice published to its 100,000 members (the
recipients written in one INSERT … SELECT: time), then the receipts of such a notice (page and
API, first and later pages, filtered: queries constant, server time), its figures, and a
member's inbox with its unread count.

Each publishing run makes a notice of its own, timed from publish to the recipients written;
the notices of the runs are kept (the later sections read the last one) and made again on the
next bench run only when missing.
"""

import statistics
import time

from django.db import connection, transaction
from django.test import Client

from bench.generate import Population
from bench.needs import RUNS, _get, _queries, _server_time
from bench.report import figure, heading, note
from core.models import Role, User
from notices import selectors, services
from notices.models import Notice, NoticeRecipient

PUBLISH_TARGET_S = 5
PAGE_TARGET_MS = 300
PUBLISH_RUNS = 3
TITLE = "关于报送复工复产情况的通知（基准）"


def _publish_once(population: Population) -> tuple[float, Notice]:
    notice = services.notice_create(
        actor=population.staff,
        association_id=population.association.pk,
        data={
            "title": TITLE,
            "body": "各会员单位：请于本周五前报送复工人数。",
            "category": "resumption",
            "needs_sign_off": True,
            "sign_by": "2099-01-01",
        },
    )
    started = time.perf_counter()
    with transaction.atomic():
        services.notice_publish(actor=population.staff, notice_id=notice.pk)
    services.write_recipients(notice.pk)  # what the queued task runs
    return time.perf_counter() - started, Notice.objects.get(pk=notice.pk)


def _member_user(population: Population) -> User:
    """An enterprise user of the association's first member (made once)."""
    recipients = NoticeRecipient.objects.filter(notice__title=TITLE)
    recipient = recipients.order_by("enterprise_id").first()
    user, _created = User.objects.get_or_create(
        username="bench-member",
        defaults={"role": Role.ENTERPRISE, "enterprise_id": recipient.enterprise_id},
    )
    return user


def _sign_some(notice: Notice, share: int = 3) -> None:
    """Mark one recipient in `share` read, and every other of those signed (set-based)."""
    table = NoticeRecipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET read_at = now(), "  # noqa: S608 - our own table
            "signed_at = CASE WHEN id %% 2 = 0 THEN now() END "
            "WHERE notice_id = %s AND id %% %s = 0 AND read_at IS NULL",
            [notice.pk, share],
        )
        cursor.execute(f"VACUUM ANALYZE {table}")


def run(population: Population) -> None:
    heading("Notices")
    members = population.members
    existing = list(Notice.objects.filter(title=TITLE).order_by("pk"))
    times = []
    if len(existing) < PUBLISH_RUNS:
        Notice.objects.filter(title=TITLE).delete()
        for _ in range(PUBLISH_RUNS):
            seconds, notice = _publish_once(population)
            times.append(seconds)
        figure(
            f"  publishing to {notice.recipients_total:,} members, median of {PUBLISH_RUNS}",
            f"{statistics.median(times):.2f} s",
            f"< {PUBLISH_TARGET_S} s",
            statistics.median(times) < PUBLISH_TARGET_S,
        )
        note(f"    each run: {', '.join(f'{t:.2f} s' for t in times)} ({members:,} members)")
        _sign_some(notice)
    else:
        notice = existing[-1]
        note(f"{len(existing)} notices to {notice.recipients_total:,} members already there")
        seconds, extra = _publish_once(population)
        figure(
            f"  publishing to {extra.recipients_total:,} members (one run)",
            f"{seconds:.2f} s",
            f"< {PUBLISH_TARGET_S} s",
            seconds < PUBLISH_TARGET_S,
        )
        extra.delete()
    again = time.perf_counter()
    services.write_recipients(notice.pk)
    note(f"    the task run again adds nothing: {time.perf_counter() - again:.3f} s")

    _server_time(
        f"  median time, receipt figures over {notice.recipients_total:,} ({RUNS} runs)",
        lambda: selectors.receipt_figures(notice),
        PAGE_TARGET_MS,
    )
    staff = Client()
    staff.force_login(population.staff)
    pages = {
        "first page": {},
        "page 40": {"page": 40},
        "not signed": {"who": "unsigned"},
        "not read, page 10": {"who": "unread", "page": 10},
    }
    url = f"/notices/{notice.pk}/receipts/"
    _get(staff, url)  # warm: the session, the user's scope, the caches
    counts = {name: _queries(lambda p=p: _get(staff, url, p)) for name, p in pages.items()}
    for name, n in counts.items():
        figure(f"SQL queries, receipts page, {name}", str(n))
    same = len(set(counts.values())) == 1
    figure("query count constant in the receipts page", "yes" if same else "no", "yes", same)
    for name, params in pages.items():
        _server_time(
            f"median server time, receipts page, {name} ({RUNS} runs)",
            lambda params=params: _get(staff, url, params),
            PAGE_TARGET_MS,
        )
    api = f"/api/v1/notices/{notice.pk}/receipts/"
    _server_time(
        f"median server time, GET {api}?signed=false ({RUNS} runs)",
        lambda: _get(staff, api, {"signed": "false"}),
        PAGE_TARGET_MS,
    )
    member = Client()
    member.force_login(_member_user(population))
    _get(member, "/notices/")
    figure("SQL queries, a member's notices page", str(_queries(lambda: _get(member, "/notices/"))))
    _server_time(
        f"median server time, a member's notices page with its unread count ({RUNS} runs)",
        lambda: _get(member, "/notices/"),
        PAGE_TARGET_MS,
    )
