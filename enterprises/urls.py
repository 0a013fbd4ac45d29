from django.urls import path

from enterprises import views

urlpatterns = [
    path("", views.enterprise_list_page, name="enterprise-list"),
    path("<int:pk>/", views.enterprise_detail_page, name="enterprise-detail"),
]
