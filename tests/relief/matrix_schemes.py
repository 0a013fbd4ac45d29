"""Permissions matrix rows of relief, schemes: pages in PAGE_ROWS, API in API_ROWS (the
tests that run them live in test_matrix_schemes.py)."""

PAGE_ROWS: list = []
API_ROWS: list = []
