"""The permissions matrix of the app's pages (and API): rows of role → expected status, with the
machinery of tests/test_permissions_matrix.py; tests/core/test_no_inline_code.py opens every page
row as each role."""

PAGE_ROWS: list = []
