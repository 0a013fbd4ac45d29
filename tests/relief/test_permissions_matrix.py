"""The permissions matrix of the app's pages (and API): rows of role → expected status, with the
machinery of tests/test_permissions_matrix.py; tests/core/test_no_inline_code.py opens every page
row as each role. Each part of the app keeps its rows in its own module."""

from tests.relief.matrix_assessments import PAGE_ROWS as ASSESSMENT_PAGE_ROWS
from tests.relief.matrix_schemes import PAGE_ROWS as SCHEME_PAGE_ROWS

PAGE_ROWS: list = ASSESSMENT_PAGE_ROWS + SCHEME_PAGE_ROWS
