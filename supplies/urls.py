from django.urls import path

from supplies import views

needs = [
    path("", views.need_list_page, name="need-list"),
    path("queue/", views.need_queue_page, name="need-queue"),
    path("escalated/", views.need_escalated_page, name="need-escalated"),
    path("overdue/", views.overdue_page, name="follow-up-overdue-needs"),
    path("overdue/export.csv", views.overdue_csv, name="follow-up-overdue-needs-csv"),
    path("overdue/export.xlsx", views.overdue_xlsx, name="follow-up-overdue-needs-xlsx"),
    path("new/<str:kind>/", views.need_file_page, name="need-file"),
    path("<int:pk>/", views.need_detail, name="need-detail"),
    path("<int:pk>/<str:action>/", views.need_action, name="need-action"),
]

offers = [
    path("", views.offer_list_page, name="offer-list"),
    path("new/", views.offer_new, name="offer-new"),
    path("<int:pk>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
]

supply_items = [
    path("", views.item_list_page, name="supply-item-list"),
    path("new/", views.item_new, name="supply-item-new"),
    path("<int:pk>/edit/", views.item_edit, name="supply-item-edit"),
]
