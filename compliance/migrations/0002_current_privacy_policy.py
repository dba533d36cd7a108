"""The privacy policy in force when versions became rows: CONSENT_POLICY_VERSION with the text the privacy page
showed, in force since the first consent given under it, so every booking consented so far names a version
the register holds.

The text is the studio's own words, so it is written in the studio's language (STUDIO_LANGUAGE) when the
database is made. A version is never rewritten once guests consented to it: a studio that wants the policy in
another language publishes a new version from the consent register.
"""

from django.conf import settings
from django.db import migrations
from django.db.models import Min
from django.utils import timezone

ENGLISH = """## What we collect

When you book a hall we keep your name, phone number, optional email address, the special requirements you write, the time of your consent and the network address it came from.

## Why

Only to handle your booking: to hold the time for you, confirm it by phone or email, prepare the hall and the equipment, and settle the payment at the studio. We do not sell your data or use it for advertising.

## How it is protected

Your phone number and email are stored encrypted. Only studio staff who work on bookings can see them, and every change to a booking is recorded.

## How long we keep it

For as long as needed to serve your bookings and meet accounting duties; after that it is anonymised.

## Your rights

You may ask the studio for a copy of your data, to correct it, or to erase it, and you may withdraw your consent at any time by contacting the studio. Withdrawing consent cancels bookings that are not yet confirmed."""

RUSSIAN = """## Какие данные мы собираем

Когда вы бронируете зал, мы сохраняем ваше имя, номер телефона, адрес электронной почты (если вы его указали), ваши пожелания к съёмке, время, когда вы дали согласие, и сетевой адрес, с которого оно дано.

## Зачем

Только чтобы обработать ваше бронирование: закрепить за вами время, подтвердить его по телефону или по почте, подготовить зал и оборудование и принять оплату в студии. Мы не продаём ваши данные и не используем их для рекламы.

## Как они защищены

Номер телефона и адрес почты хранятся в зашифрованном виде. Их видят только сотрудники студии, которые работают с бронированиями, а каждое изменение бронирования записывается в журнал.

## Сколько мы их храним

Столько, сколько нужно, чтобы выполнить ваши бронирования и требования бухгалтерского учёта; после этого данные обезличиваются.

## Ваши права

Вы можете попросить студию выдать вам копию ваших данных, исправить или удалить их, а также в любой момент отозвать согласие, связавшись со студией. При отзыве согласия неподтверждённые бронирования отменяются."""

TEXTS = {"en": ENGLISH, "ru": RUSSIAN}


def record_current_policy(apps, schema_editor):
    PolicyVersion = apps.get_model("compliance", "PolicyVersion")
    Booking = apps.get_model("bookings", "Booking")
    version = settings.CONSENT_POLICY_VERSION
    if PolicyVersion.objects.filter(version=version).exists():
        return
    first = Booking.objects.filter(consent_policy_version=version).aggregate(first=Min("consent_at"))["first"]
    text = TEXTS.get(settings.STUDIO_LANGUAGE, ENGLISH)
    PolicyVersion.objects.create(version=version, text=text, published_at=first or timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0001_initial"),
    ]

    operations = [migrations.RunPython(record_current_policy, migrations.RunPython.noop)]
