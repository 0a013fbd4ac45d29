from django.urls import path

from associations import views

associations = [
    path("<int:pk>/", views.association_detail, name="association-detail"),
    path("<int:pk>/edit/", views.association_edit, name="association-edit"),
    path("<int:pk>/invite/", views.association_invite, name="association-invite"),
    path(
        "<int:pk>/staff/<int:user_id>/resend-invitation/",
        views.association_resend_invitation,
        name="association-resend-invitation",
    ),
]
