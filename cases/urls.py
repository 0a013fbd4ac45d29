"""The practice-case library's pages, under /cases/."""

from django.urls import path

from cases import views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_new, name="case-new"),
    path("suggest/", views.case_suggest, name="case-suggest"),
    path("review/", views.review_queue, name="case-review-queue"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/edit/", views.case_edit, name="case-edit"),
    path("<int:pk>/files/<int:attachment_id>/", views.case_attachment, name="case-attachment"),
    path("<int:pk>/<str:action>/", views.case_action, name="case-action"),
]
