import os

from celery import Celery
from celery.schedules import crontab

from resumption_portal.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resumption_portal.settings")

app = Celery("resumption_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Read from the environment as settings.py does: this module is imported while settings load.
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 60)

# The beat schedule lives here, in code, so that every deployment runs the same one.
# Times are Asia/Shanghai (CELERY_TIMEZONE).
app.conf.beat_schedule = {
    # The heartbeat /readyz reads (core.health), and the sweep that queues again what a broker
    # that was down lost (core.outbox); a run not taken in time is dropped, the next one comes.
    "heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    "outbox-sweep": {
        "task": "core.tasks.sweep_outbox",
        "schedule": float(OUTBOX_SWEEP_SECONDS),
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    # Expired login sessions pile up in the database; clear them nightly, when nobody works.
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # API clients' Idempotency-Keys are remembered for IDEMPOTENCY_KEY_TTL_HOURS; then they go.
    "delete-expired-idempotency-keys": {
        "task": "core.tasks.delete_expired_idempotency_keys",
        "schedule": crontab(hour=3, minute=40),
    },
    # Tables partitioned by month (decision 0036): this month's and the next
    # PARTITIONS_AHEAD_MONTHS' partitions, made daily so that a missed night or a failed run is
    # made good long before a month begins; a run finding them all there does nothing.
    "partitions-ahead": {
        "task": "core.tasks.create_partitions_ahead",
        "schedule": crontab(hour=3, minute=20),
    },
    # Daily digests of notifications: the previous full day (00:00–24:00) once it has ended,
    # so that a notification told at 23:59 is in it; the day's rollups go first at 00:05.
    "notification-digests": {
        "task": "core.tasks.send_daily_digests",
        "schedule": crontab(hour=0, minute=10),
    },
    # Relief's priority matching ends on its day: the needs it raised rank as others again.
    "end-priorities": {
        "task": "supplies.tasks.end_priorities",
        "schedule": crontab(hour=0, minute=20),
    },
    # Demand reports for government: the previous day every morning, the previous ISO week on
    # Mondays, the previous month on the 1st; for every province, official's jurisdiction and
    # association.
    # Daily rollups (the dashboards' figures): yesterday's to its end shortly after midnight,
    # today's as at now every quarter of an hour, so that a dashboard is never older than that.
    "rollups-after-midnight": {
        "task": "reports.tasks.refresh_rollups",
        "schedule": crontab(hour=0, minute=5),
    },
    "rollups-today": {
        "task": "reports.tasks.refresh_rollups",
        "schedule": crontab(minute="*/15"),
    },
    "reports-daily": {
        "task": "reports.tasks.schedule_reports",
        "schedule": crontab(hour=6, minute=0),
        "args": ("day",),
    },
    "reports-weekly": {
        "task": "reports.tasks.schedule_reports",
        "schedule": crontab(hour=6, minute=0, day_of_week="mon"),
        "args": ("week",),
    },
    "reports-monthly": {
        "task": "reports.tasks.schedule_reports",
        "schedule": crontab(hour=6, minute=0, day_of_month="1"),
        "args": ("month",),
    },
    # Webhooks: what was committed is dispatched and due deliveries are started every ten
    # seconds (integrations.tasks.sweep); a sweep not run in time is dropped, the next one
    # finds the same work. The senders run on the `webhooks` queue.
    "webhooks-sweep": {
        "task": "integrations.tasks.sweep",
        "schedule": 10.0,
        "options": {"expires": 10},
    },
    "webhooks-log-retention": {
        "task": "integrations.tasks.purge_log",
        "schedule": crontab(hour=3, minute=50),
    },
    # The retention policy (docs/decisions/0028): old notifications and import files, sign-up
    # codes, the contact data of enterprise users who left a year ago; after the night's other
    # clean-ups, before the morning's reports.
    "personal-data-retention": {
        "task": "operations.tasks.apply_retention",
        "schedule": crontab(hour=4, minute=0),
    },
}
