"""Audit entries written before contact details were fully masked kept half of each phone and email
(``******551234``, ``****@example.com``). Rewrite those values as the mask writes them now."""

from django.db import migrations

MASKED = {
    ("bookings", "booking"): ("client_phone", "client_email"),
    ("bookings", "client"): ("phone", "email"),
    ("employees", "employee"): ("phone", "email"),
}
BATCH = 2000


def hidden(value):
    return "[hidden]" if value and value != "None" else value


def hide_contact_details(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for (app_label, model), fields in MASKED.items():
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is None:
            continue
        changed = []
        for entry in LogEntry.objects.filter(content_type=content_type).only("changes").iterator(chunk_size=BATCH):
            if not isinstance(entry.changes, dict) or not any(field in entry.changes for field in fields):
                continue
            for field in fields:
                if isinstance(entry.changes.get(field), list):
                    entry.changes[field] = [hidden(value) for value in entry.changes[field]]
            changed.append(entry)
            if len(changed) >= BATCH:
                LogEntry.objects.bulk_update(changed, ["changes"])
                changed = []
        LogEntry.objects.bulk_update(changed, ["changes"])


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0004_pending_requests_hold_their_slot"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(hide_contact_details, migrations.RunPython.noop)]
