"""The app's pages, under /complaints/."""

from django.urls import path

from market import views

urlpatterns = [
    path("", views.complaint_list, name="complaint-list"),
    path("new/", views.complaint_new, name="complaint-new"),
    path("<int:pk>/", views.complaint_detail, name="complaint-detail"),
    path(
        "<int:pk>/evidence/<int:attachment_id>/",
        views.complaint_attachment,
        name="complaint-attachment",
    ),
    path("<int:pk>/<str:action>/", views.complaint_action, name="complaint-action"),
]
