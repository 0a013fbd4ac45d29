from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from associations.api import AssociationViewSet
from batches.api import ApplicationViewSet, BatchViewSet
from cases.api import API_ROUTES as CASE_ROUTES
from core.api import errors as api_errors
from core.api.notifications import NotificationPreferencesView, NotificationViewSet
from core.api.tokens import ApiTokenViewSet, ObtainTokenView
from core.api.views import IndustryViewSet, MeView, RegionViewSet
from enterprises.api import ClaimViewSet, EnterpriseViewSet
from integrations.api import API_ROUTES as INTEGRATION_ROUTES
from integrations.api import EventFeedView
from market.api import API_ROUTES as MARKET_ROUTES
from members.api import ImportJobViewSet, MembershipViewSet
from notices.api import API_ROUTES as NOTICE_ROUTES
from portal.api import DashboardView
from relief.api import API_ROUTES as RELIEF_ROUTES
from reports.api import ReportViewSet
from reports.rollup_api import RollupView
from services.api import API_ROUTES as SERVICE_ROUTES
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
router.register("notifications", NotificationViewSet, basename="notification")
router.register("tokens", ApiTokenViewSet, basename="api-token")
for prefix, viewset, basename in (
    *SERVICE_ROUTES,
    *RELIEF_ROUTES,
    *MARKET_ROUTES,
    *CASE_ROUTES,
    *NOTICE_ROUTES,
    *INTEGRATION_ROUTES,
):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path(
        "me/notification-preferences/",
        NotificationPreferencesView.as_view(),
        name="api-notification-preferences",
    ),
    path("rollups/", RollupView.as_view(), name="api-rollups"),
    path("events/", EventFeedView.as_view(), name="api-events"),
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI under the portal's Content-Security-Policy: the split view serves its start-up
    # script as a file of its own (docs/?script), not inline; its stylesheet draws icons as data:
    # images, allowed on this page only.
    path(
        "docs/",
        csp_update({"img-src": [SELF, "data:"]})(
            SpectacularSwaggerSplitView.as_view(
                url_name="api:api-schema", template_name="api_docs.html"
            )
        ),
        name="api-docs",
    ),
    path("", include(router.urls)),
    # Last: any other address under /api/v1/ (ending in a slash, so that APPEND_SLASH still
    # redirects the others) answers 404 with the API's error body, not an HTML page.
    re_path(r"^[\s\S]*/\Z", api_errors.not_found),
]
