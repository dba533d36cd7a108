from django.urls import path

from . import account_views, sign_in_views, views

urlpatterns = [
    path("login/", sign_in_views.login_view, name="login"),
    path("login/code/", sign_in_views.login_code, name="login_code"),
    path("logout/", sign_in_views.logout_view, name="logout"),
    path("account/", account_views.account, name="account"),
    path("account/language/", account_views.account_language, name="account_language"),
    path("account/password/", account_views.account_password, name="account_password"),
    path("account/mfa/", account_views.account_mfa, name="account_mfa"),
    path("account/mfa/backup-codes/", account_views.account_mfa_backup_codes, name="account_mfa_backup_codes"),
    path("account/mfa/replace/", account_views.account_mfa_replace, name="account_mfa_replace"),
    path("account/mfa/cancel/", account_views.account_mfa_cancel, name="account_mfa_cancel"),
    path("account/sessions/", account_views.account_sessions, name="account_sessions"),
    path(
        "account/sessions/others/revoke/",
        account_views.account_sessions_revoke_others,
        name="account_sessions_revoke_others",
    ),
    path("account/sessions/<int:pk>/revoke/", account_views.account_session_revoke, name="account_session_revoke"),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_new, name="employee_new"),
    path("employees/<int:pk>/", views.employee_detail, name="employee_detail"),
    path("employees/<int:pk>/deactivate/", views.employee_deactivate_view, name="employee_deactivate"),
    path("employees/<int:pk>/reactivate/", views.employee_reactivate_view, name="employee_reactivate"),
    path("employees/<int:pk>/reset-mfa/", views.employee_reset_mfa_view, name="employee_reset_mfa"),
    path("employees/<int:pk>/unlock/", views.employee_unlock_view, name="employee_unlock"),
    path("employees/<int:pk>/password/", views.employee_password_view, name="employee_password"),
]
