from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from associations.api import AssociationViewSet
from batches.api import ApplicationViewSet, BatchViewSet
from core.api.views import IndustryViewSet, MeView, ObtainTokenView, RegionViewSet
from enterprises.api import ClaimViewSet, EnterpriseViewSet
from members.api import ImportJobViewSet, MembershipViewSet
from reports.api import ReportViewSet
from supplies.api.views import (
    DifficultyViewSet,
    LabourRequestViewSet,
    SupplyItemViewSet,
    SupplyOfferViewSet,
    SupplyRequestViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("industries", IndustryViewSet, basename="industry")
router.register("associations", AssociationViewSet, basename="association")
# Before "enterprises", so that "enterprises/import/" is not read as an enterprise's id.
router.register("enterprises/import", ImportJobViewSet, basename="import-job")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("enterprise-claims", ClaimViewSet, basename="enterprise-claim")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("batches", BatchViewSet, basename="batch")
router.register("applications", ApplicationViewSet, basename="application")
router.register("supply-items", SupplyItemViewSet, basename="supply-item")
router.register("supply-requests", SupplyRequestViewSet, basename="supply-request")
router.register("labour-requests", LabourRequestViewSet, basename="labour-request")
router.register("difficulties", DifficultyViewSet, basename="difficulty")
router.register("supply-offers", SupplyOfferViewSet, basename="supply-offer")
router.register("reports", ReportViewSet, basename="report")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:api-schema"), name="api-docs"),
    path("", include(router.urls)),
]
