"""The tokens of DRF's `rest_framework.authtoken` become named API tokens (docs/decisions/0025).

Each row of `authtoken_token` becomes an ApiToken holding the SHA-256 hash of its key, named
"API token (before named tokens)", read and write, expiring 90 days after this migration: the
partner systems that hold such a key keep working until then, and have that long to move to a
named token. The old table, which kept the keys in clear, is dropped afterwards, with Django's
record of the authtoken migrations (the app is no longer installed).

A fresh database has no such table: nothing to do. The table is read with SQL, as the app's
models are gone.
"""

import hashlib
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"
NAME = "API token (before named tokens)"
GRACE = timedelta(days=90)


def copy_drf_tokens(apps, schema_editor) -> int:
    """Copy the old keys as hashes and drop the old table; how many were copied."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if OLD_TABLE not in connection.introspection.table_names(cursor):
            return 0
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    ApiToken = apps.get_model("core", "ApiToken")
    User = apps.get_model("core", "User")
    active = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    now = timezone.now()
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name=NAME,
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            access="read_write",
            created_at=created or now,
            expires_at=now + GRACE,
            # A deactivated account's key no longer worked; it stays so.
            revoked_at=None if user_id in active else now,
            revoke_reason="" if user_id in active else "deactivated",
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {OLD_TABLE}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])
    return len(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0016_api_token"),
    ]

    operations = [
        migrations.RunPython(copy_drf_tokens, migrations.RunPython.noop, elidable=True),
    ]
