"""An index of the events that say an enterprise sent a service request back (a low rating or
a missed time limit reopens it): the association's home page lists the requests in progress
again after such an event, and starts from these few events instead of looking up the newest
reopening of each request in hand (10,000 look-ups a visit for an association with 200,000
requests). It lives here, beside the action it names; the events table is core's."""

from django.db import migrations

INDEX = "event_servicerequest_reopened"


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0004_names_in_the_active_language"),
        ("core", "0021_notifications_partitioned_by_month"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON core_event (content_type_id, object_id) "
            "WHERE action = 'servicerequest.reopened'",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
