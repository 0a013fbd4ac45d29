"""The app's pages, under /services/."""

from django.urls import path

from services import views

urlpatterns = [
    path("", views.catalogue_page, name="service-list"),
    path("new/", views.service_new, name="service-new"),
    path("<int:pk>/", views.service_detail, name="service-detail"),
    path("<int:pk>/edit/", views.service_edit, name="service-edit"),
    path("providers/", views.provider_list, name="service-provider-list"),
    path("providers/new/", views.provider_new, name="service-provider-new"),
    path("providers/<int:pk>/edit/", views.provider_edit, name="service-provider-edit"),
    path("requests/", views.request_list, name="service-request-list"),
    path("requests/<int:pk>/", views.request_detail, name="service-request-detail"),
    path(
        "requests/<int:pk>/attachments/<int:attachment_id>/",
        views.request_attachment,
        name="service-request-attachment",
    ),
    path("requests/<int:pk>/<str:action>/", views.request_action, name="service-request-action"),
]
