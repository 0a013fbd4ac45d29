"""The pledges pages, under /pledges/ (a published pledge and its signatories need no login)."""

from django.urls import path

from market import pledge_views as views

urlpatterns = [
    path("", views.pledge_list, name="pledge-list"),
    path("new/", views.pledge_new, name="pledge-new"),
    path("<int:pk>/", views.pledge_detail, name="pledge-detail"),
    path("<int:pk>/edit/", views.pledge_edit, name="pledge-edit"),
    path(
        "signatures/<int:pk>/withdraw/",
        views.signature_withdraw,
        name="pledge-signature-withdraw",
    ),
    path("<int:pk>/<str:action>/", views.pledge_action, name="pledge-action"),
]
