from django.urls import path

from members import views

members = [
    path("", views.member_list, name="member-list"),
    path("export.csv", views.member_export_csv, name="member-export-csv"),
    path("export.xlsx", views.member_export_xlsx, name="member-export-xlsx"),
    path("new/", views.member_new, name="member-new"),
    path("invite-contacts/", views.member_contacts_invite, name="member-contacts-invite"),
    path("import/", views.member_import, name="member-import"),
    path("import/<int:pk>/", views.member_import_job, name="member-import-job"),
    path(
        "import/template.<str:extension>",
        views.member_import_template,
        name="member-import-template",
    ),
]

memberships = [
    path("<int:pk>/", views.membership_detail, name="membership-detail"),
    path("<int:pk>/record/", views.membership_record, name="membership-record"),
    path("<int:pk>/<str:decision>/", views.membership_decide, name="membership-decide"),
]
