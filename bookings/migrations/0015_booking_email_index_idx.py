# Only the bookings that carry an email are indexed: most do not, and an anonymised one no longer does.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0014_fill_booking_email_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('client_email_index', ''), _negated=True), fields=['client_email_index'], name='booking_email_index_idx'),
        ),
    ]
