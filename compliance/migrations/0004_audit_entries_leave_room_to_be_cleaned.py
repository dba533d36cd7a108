"""The audit log's pages keep half their room free (PostgreSQL), so cleaning an entry is a heap-only update.

Retention and erasure rewrite an entry's changes, record, address and author, none of them indexed. When the
new version fits on the entry's own page, PostgreSQL writes no entry into any of the table's ten indexes (a
heap-only tuple): cleaning costs about a third of what it does on full pages. A batch cleans whole pages in
one transaction, so a page needs room for a second version of every entry on it: fillfactor 50. The table
takes twice the disk of its rows; its indexes are unchanged.

Pages written from now on follow the setting. Entries already stored stay on full pages until the table is
rewritten (``VACUUM FULL auditlog_logentry``, or pg_repack without the lock) and are cleaned the slower way
meanwhile: nothing is wrong with them, only slower.
"""

from django.db import migrations

FILLFACTOR = 50


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE auditlog_logentry SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE auditlog_logentry RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("compliance", "0003_translatable_labels"),
    ]

    operations = [migrations.RunPython(leave_room, fill_pages)]
