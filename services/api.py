"""The REST side of the app: `API_ROUTES` lists (prefix, viewset, basename) for the API's
router (resumption_portal/api_urls.py)."""

API_ROUTES: list[tuple] = []
