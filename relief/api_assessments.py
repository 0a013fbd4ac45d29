"""The REST API of relief: assessments."""

API_ROUTES: list[tuple] = []
