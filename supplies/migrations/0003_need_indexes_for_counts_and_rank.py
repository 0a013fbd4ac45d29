"""Counts read indexes alone: the staff queue's by status from need_queue (which now carries the
status), the officials' list's by jurisdiction and status from need_escalated (which now carries
the enterprise and the status). need_rank gives one kind of need of an association in the queue's
order whatever the status (the API's `?ordering=rank`) and counts it. Measured at a million needs
by bench/needs.py."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("supplies", "0002_seed_catalogue"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="need",
            name="need_queue",
        ),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(
                condition=models.Q(
                    (
                        "status__in",
                        ["open", "in_progress", "info_requested", "escalated", "answered"],
                    )
                ),
                fields=["association", "rank_at", "id"],
                include=("status",),
                name="need_queue",
            ),
        ),
        migrations.RemoveIndex(
            model_name="need",
            name="need_escalated",
        ),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(
                condition=models.Q(("escalated_at__isnull", False)),
                fields=["-escalated_at", "-id"],
                include=("enterprise", "status"),
                name="need_escalated",
            ),
        ),
        migrations.AddIndex(
            model_name="need",
            index=models.Index(fields=["association", "kind", "rank_at", "id"], name="need_rank"),
        ),
    ]
