"""The REST API of relief: schemes."""

API_ROUTES: list[tuple] = []
