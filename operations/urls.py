from django.urls import path

from operations import audit_views, personal_data_views
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
    # One's own data (everyone), deletion requests (enterprise users ask, managers decide).
    path("my-data/", personal_data_views.my_data, name="my-data"),
    path("my-data/download/", personal_data_views.my_data_download, name="my-data-download"),
    path("my-data/delete/", personal_data_views.my_data_delete, name="my-data-delete"),
    path("my-data/withdraw/", personal_data_views.my_data_withdraw, name="my-data-withdraw"),
    path(
        "deletion-requests/",
        personal_data_views.deletion_requests,
        name="deletion-requests",
    ),
    path(
        "deletion-requests/<int:pk>/confirm/",
        personal_data_views.deletion_request_confirm,
        name="deletion-request-confirm",
    ),
    path(
        "deletion-requests/<int:pk>/decline/",
        personal_data_views.deletion_request_decline,
        name="deletion-request-decline",
    ),
]
