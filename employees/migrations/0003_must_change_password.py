from django.db import migrations, models


def invited_must_change_password(apps, schema_editor):
    """Invited employees have not signed in yet: they still hold the temporary password they were given."""
    Employee = apps.get_model("employees", "Employee")
    Employee.objects.filter(status="invited").update(must_change_password=True)


class Migration(migrations.Migration):

    dependencies = [
        ("employees", "0002_staffsession"),
    ]

    operations = [
        migrations.AddField(
            model_name="employee",
            name="must_change_password",
            field=models.BooleanField(default=False, verbose_name="must change password"),
        ),
        migrations.RunPython(invited_must_change_password, migrations.RunPython.noop),
    ]
