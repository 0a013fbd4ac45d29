from django.urls import path

from notices import views

urlpatterns = [
    path("", views.notice_list, name="notice-list"),
    path("new/", views.notice_new, name="notice-new"),
    path("<int:pk>/", views.notice_detail, name="notice-detail"),
    path("<int:pk>/edit/", views.notice_edit, name="notice-edit"),
    path("<int:pk>/receipts/", views.notice_receipts, name="notice-receipts"),
    path("<int:pk>/files/<int:attachment_id>/", views.notice_file, name="notice-file"),
    path("<int:pk>/<str:action>/", views.notice_action, name="notice-action"),
]
