from django.urls import path

from associations import views
from enterprises import views as enterprise_views

members = [
    path("", views.member_list, name="member-list"),
    path("export.csv", views.member_export_csv, name="member-export-csv"),
    path("export.xlsx", views.member_export_xlsx, name="member-export-xlsx"),
    path("new/", enterprise_views.member_new, name="member-new"),
    path("import/", enterprise_views.member_import, name="member-import"),
    path("import/<int:pk>/", enterprise_views.member_import_job, name="member-import-job"),
    path(
        "import/template.<str:extension>",
        enterprise_views.member_import_template,
        name="member-import-template",
    ),
]

memberships = [
    path("<int:pk>/", views.membership_detail, name="membership-detail"),
    path("<int:pk>/<str:decision>/", views.membership_decide, name="membership-decide"),
]

associations = [
    path("<int:pk>/", views.association_detail, name="association-detail"),
    path("<int:pk>/edit/", views.association_edit, name="association-edit"),
    path("<int:pk>/invite/", views.association_invite, name="association-invite"),
]
