"""Member spreadsheet import: CSV (UTF-8, with or without BOM) or XLSX, all-or-nothing.

Every row is checked before anything is written; a file with any bad row writes nothing and
answers every problem as {row, column, message}, where `row` is the line number a person sees
in the spreadsheet (the header is line 1) and `column` the header as written in the file.
Good files are upserted by credit code into one association in a single transaction.

reading: the file's type, rows and header; checking: every row against the reference data;
writing: the set-based upsert; jobs: running an import now or in a Celery worker.
"""

from members.imports.checking import CheckedFile, CleanRow, check_file
from members.imports.jobs import live_processed_rows, run_job, start_import
from members.imports.reading import (
    CHINESE_HEADERS,
    OPTIONAL,
    REQUIRED,
    TEMPLATE_EXAMPLE,
    ImportRefused,
    check_size,
    count_data_rows,
    read_rows,
)
from members.imports.writing import ImportResult, write_rows

__all__ = [
    "CHINESE_HEADERS",
    "OPTIONAL",
    "REQUIRED",
    "TEMPLATE_EXAMPLE",
    "CheckedFile",
    "CleanRow",
    "ImportRefused",
    "ImportResult",
    "check_file",
    "check_size",
    "count_data_rows",
    "live_processed_rows",
    "read_rows",
    "run_job",
    "start_import",
    "write_rows",
]
