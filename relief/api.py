"""The REST side of the app: `API_ROUTES` lists (prefix, viewset, basename) for the API's
router (resumption_portal/api_urls.py); each API module of the app lists its own."""

from relief import api_assessments, api_schemes

API_ROUTES: list[tuple] = api_assessments.API_ROUTES + api_schemes.API_ROUTES
