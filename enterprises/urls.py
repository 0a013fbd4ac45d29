from django.urls import path

from enterprises import views

urlpatterns = [
    path("", views.enterprise_list_page, name="enterprise-list"),
    path("register/", views.enterprise_register, name="enterprise-register"),
    path("claim/", views.enterprise_claim, name="enterprise-claim"),
    path("join/", views.enterprise_join, name="enterprise-join"),
    path("claims/", views.claim_list_page, name="claim-list"),
    path(
        "claims/<int:pk>/<str:decision>/",
        views.claim_decide,
        name="claim-decide",
    ),
    path("<int:pk>/", views.enterprise_detail_page, name="enterprise-detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
]
