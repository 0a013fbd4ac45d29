from django.urls import path

from reports import views

urlpatterns = [
    path("", views.report_list_page, name="report-list"),
    path("request/", views.report_request, name="report-request"),
    path("completeness/", views.report_completeness, name="report-completeness"),
    path("<int:pk>/", views.report_detail, name="report-detail"),
    path("<int:pk>/progress/", views.report_progress, name="report-progress"),
    path("<int:pk>/download.<str:fmt>", views.report_download, name="report-download"),
    path("<int:pk>/figures/<str:figure>/", views.report_figure, name="report-figure"),
    path("<int:pk>/remarks/", views.report_remarks, name="report-remarks"),
    path("<int:pk>/submit/", views.report_submit, name="report-submit"),
    path("<int:pk>/revise/", views.report_revise, name="report-revise"),
]
