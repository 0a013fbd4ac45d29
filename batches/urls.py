from django.urls import path

from batches import views

batches = [
    path("", views.batch_list_page, name="batch-list"),
    path("new/", views.batch_new, name="batch-new"),
    path("progress/", views.association_progress, name="association-progress"),
    path("follow-up/not-applied/", views.not_applied_page, name="follow-up-not-applied"),
    path(
        "follow-up/not-applied/export.csv", views.not_applied_csv, name="follow-up-not-applied-csv"
    ),
    path(
        "follow-up/not-applied/export.xlsx",
        views.not_applied_xlsx,
        name="follow-up-not-applied-xlsx",
    ),
    path("follow-up/not-resumed/", views.not_resumed_page, name="follow-up-not-resumed"),
    path(
        "follow-up/not-resumed/export.csv", views.not_resumed_csv, name="follow-up-not-resumed-csv"
    ),
    path(
        "follow-up/not-resumed/export.xlsx",
        views.not_resumed_xlsx,
        name="follow-up-not-resumed-xlsx",
    ),
    path("<int:pk>/", views.batch_detail, name="batch-detail"),
    path("<int:pk>/edit/", views.batch_edit, name="batch-edit"),
    path("<int:pk>/progress/", views.batch_progress, name="batch-progress"),
    path("<int:pk>/apply/", views.application_new, name="application-new"),
    path("<int:pk>/<str:action>/", views.batch_transition, name="batch-transition"),
]

applications = [
    path("", views.application_list_page, name="application-list"),
    path("bulk-approve/", views.application_bulk_approve, name="application-bulk-approve"),
    path("<int:pk>/", views.application_detail, name="application-detail"),
    path("<int:pk>/edit/", views.application_edit, name="application-edit"),
    path("<int:pk>/<str:action>/", views.application_action, name="application-action"),
]
