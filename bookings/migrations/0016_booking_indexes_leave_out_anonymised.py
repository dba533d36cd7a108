# No row changes. The indexes that find a guest by name or phone leave out the anonymised bookings, and those of
# the optional foreign keys the bookings without one: a row the retention rewrites, or a guest's booking, goes
# into five indexes fewer.
#
# PostgreSQL keeps no statistics of a partial index's expression for the whole table, so the name's trigram
# index no longer tells the planner how common a name is: a statistics object on the same expression does
# (without it, a name every booking carries is estimated at a hundred rows, and a search for it reads the
# whole index into a bitmap instead of stopping at the page's first rows).

import bookings.models
import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

NAME_STATISTICS = "booking_client_name_upper_stats"


def name_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS {NAME_STATISTICS} ON (UPPER(client_name::text)) FROM bookings_booking")
        schema_editor.execute("ANALYZE bookings_booking")


def no_name_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME_STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0015_booking_email_index_idx'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='booking',
            name='booking_client_name_trgm',
        ),
        migrations.RemoveIndex(
            model_name='booking',
            name='booking_phone_index_idx',
        ),
        migrations.AlterField(
            model_name='booking',
            name='created_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='promo_code',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='bookings.promocode', verbose_name='promo code'),
        ),
        migrations.AlterField(
            model_name='booking',
            name='updated_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('client_phone_index', ''), _negated=True), fields=['client_phone_index'], name='booking_phone_index_idx'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=bookings.models.PostgresGinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper('client_name'), name='gin_trgm_ops'), condition=models.Q(('client_phone_index', ''), _negated=True), name='booking_client_name_trgm'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('created_by__isnull', False)), fields=['created_by'], name='booking_created_by_idx'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('updated_by__isnull', False)), fields=['updated_by'], name='booking_updated_by_idx'),
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('promo_code__isnull', False)), fields=['promo_code'], name='booking_promo_code_idx'),
        ),
        migrations.RunPython(name_statistics, no_name_statistics),
    ]
