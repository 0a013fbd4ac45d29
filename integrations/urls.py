from django.urls import path

from integrations import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook-list"),
    path("new/", views.endpoint_new, name="webhook-new"),
    path("<int:pk>/", views.endpoint_detail, name="webhook-detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="webhook-edit"),
    path("<int:pk>/switch/", views.endpoint_switch, name="webhook-switch"),
    path("<int:pk>/rotate-secret/", views.endpoint_rotate, name="webhook-rotate"),
    path("<int:pk>/ping/", views.endpoint_ping, name="webhook-ping"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhook-delete"),
    path("<int:pk>/redeliver/", views.endpoint_redeliver, name="webhook-redeliver"),
]
