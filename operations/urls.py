from django.urls import path

from operations import audit_views
from operations import platform_views as views

urlpatterns: list = [
    # The audit viewer: who did what, when (managers, officials, admins).
    path("audit/", audit_views.audit_log, name="audit"),
    path("audit/export.csv", audit_views.audit_export, name="audit-export"),
    # The platform's administration (admins): figures, a new association, users.
    path("platform/", views.platform, name="platform"),
    path(
        "platform/associations/new/",
        views.platform_association_new,
        name="platform-association-new",
    ),
    path("platform/users/", views.platform_users, name="platform-users"),
    path(
        "platform/users/<int:pk>/deactivate/",
        views.platform_user_deactivate,
        name="platform-user-deactivate",
    ),
    path(
        "platform/users/<int:pk>/reactivate/",
        views.platform_user_reactivate,
        name="platform-user-reactivate",
    ),
]
