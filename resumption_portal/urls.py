from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from associations import urls as association_urls
from batches import urls as batch_urls
from core import health, otp_views, region_views, signup_views, token_views
from core import password_reset as password_views
from core import views as core_views
from members import urls as member_urls
from portal import views as portal_views
from supplies import urls as supply_urls

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    path("favicon.ico", core_views.favicon),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("login/code/", otp_views.two_factor_verify, name="two-factor-verify"),
    path("account/two-factor/", otp_views.two_factor_setup, name="two-factor-setup"),
    path(
        "account/two-factor/recovery-codes/",
        otp_views.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("account/tokens/", token_views.token_list, name="api-tokens"),
    path("account/tokens/<int:pk>/revoke/", token_views.token_revoke, name="api-token-revoke"),
    path("signup/", signup_views.signup_start, name="signup"),
    path("signup/verify/", signup_views.signup_verify, name="signup-verify"),
    path("logout/", core_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", portal_views.dashboard, name="dashboard"),
    path(
        "dashboard/region/<str:code>/",
        portal_views.region_dashboard,
        name="dashboard-region",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/reset/<uidb64>/<token>/",
        core_views.InvitationPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="core/set_password_done.html"),
        name="password_reset_complete",
    ),
    # A forgotten password (core.password_reset); the pages above set an invitee's first one.
    path("password/reset/", password_views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "password/reset/sent/",
        password_views.PasswordResetDoneView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        password_views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        password_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("enterprises/", include("enterprises.urls")),
    path("members/", include(member_urls.members)),
    path("memberships/", include(member_urls.memberships)),
    path("associations/", include(association_urls.associations)),
    path("batches/", include(batch_urls.batches)),
    path("applications/", include(batch_urls.applications)),
    path("needs/", include(supply_urls.needs)),
    path("offers/", include(supply_urls.offers)),
    path("supply-items/", include(supply_urls.supply_items)),
    path("reports/", include("reports.urls")),
    path("services/", include("services.urls")),
    path("relief/", include("relief.urls")),
    path("complaints/", include("market.urls")),
    path("pledges/", include("market.pledge_urls")),
    path("cases/", include("cases.urls")),
    path("notices/", include("notices.urls")),
    path("notifications/", include("core.notification_urls")),
    path("webhooks/", include("integrations.urls")),
    path("operations/", include("operations.urls")),
    path("regions/", region_views.region_lookup, name="region-lookup"),
    # Before the admin's own: its login is the portal's (throttle, lockout, second factor).
    path("admin/login/", core_views.admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("resumption_portal.api_urls", "api"))),
]

# The portal's own error pages (core/error_views.py).
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
