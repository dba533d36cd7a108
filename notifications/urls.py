from django.urls import path

from . import views

urlpatterns = [
    path("", views.deliveries, name="notification_list"),
    path("<int:pk>/retry/", views.retry, name="notification_retry"),
    path("telegram/webhook/", views.telegram_webhook, name="telegram_webhook"),
    path("account/telegram/code/", views.telegram_code, name="notification_telegram_code"),
    path("account/telegram/unlink/", views.telegram_unlink, name="notification_telegram_unlink"),
    path("account/email/", views.email_choices, name="notification_email_choices"),
]
