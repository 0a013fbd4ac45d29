"""The import's quick answers for the usual credit code and mobile number give what the general
checks (python-stdnum, libphonenumber) give, and duplicates found by the database stand among a
row's other problems where a person reads them."""

import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import uscc as stdnum_uscc

from core.validators import normalise_phone
from enterprises.models import ImportJob
from members.imports import CheckedFile, ImportRefused, write_rows
from members.imports.checking import _normalised_phone, _uscc_check_character
from tests.factories import valid_uscc
from tests.members.test_import import csv_file, import_file, member_row, written

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def test_the_quick_check_character_of_a_credit_code_is_python_stdnums():
    chance = random.Random(19)
    for _ in range(5000):
        body = "".join(chance.choice("0123456789") for _ in range(8)) + "".join(
            chance.choice(ALPHABET) for _ in range(9)
        )
        assert _uscc_check_character(body + "0") == stdnum_uscc.calc_check_digit(body)


def _answer(check, value):
    try:
        return check(value)
    except ValidationError as error:
        return error.messages[0]


def test_the_quick_answer_for_a_mobile_number_is_libphonenumbers():
    chance = random.Random(2026)
    typed = [
        "{0}",
        "{0[0]}{0[1]}{0[2]}-{0[3]}{0[4]}{0[5]}{0[6]}-{0[7]}{0[8]}{0[9]}{0[10]}",
        "+86 {0[0]}{0[1]}{0[2]} {0[3]}{0[4]}{0[5]}{0[6]} {0[7]}{0[8]}{0[9]}{0[10]}",
        "+86{0}",
        "{0[0]}{0[1]}{0[2]} {0[3]}{0[4]}{0[5]}{0[6]}{0[7]}{0[8]}{0[9]}{0[10]}",
    ]
    with translation.override("en"):
        for _ in range(3000):
            # Every second and third digit, so that unused and special ranges come up too.
            digits = "1" + "".join(chance.choice("0123456789") for _ in range(10))
            for form in typed:
                value = form.format(digits)
                assert _answer(_normalised_phone, value) == _answer(normalise_phone, value), value


@pytest.mark.django_db
def test_a_duplicate_found_while_streaming_stands_among_the_rows_problems_in_order(cast):
    first = member_row(1)
    rows = [
        first,
        member_row(2, region_code="999999"),
        member_row(3, uscc=first["uscc"], name="", industry_code="A"),
        member_row(4, uscc=first["uscc"]),
    ]
    before = written(cast)

    with translation.override("en"):
        job = import_file(cast, csv_file(rows))

    assert job.status == ImportJob.Status.FAILED
    assert written(cast) == before
    problems = [(e["row"], e["column"], e["message"]) for e in job.errors if e["row"]]
    also = "This credit code is also on line 2; each enterprise once."
    assert problems == [
        (3, "region_code", "Unknown region code 999999 (GB/T 2260)."),
        (4, "name", "This value is required."),
        (4, "uscc", also),
        (4, "industry_code", "A is a section; give the two-digit division, e.g. 39."),
        (5, "uscc", also),
    ]


@pytest.mark.django_db
def test_a_file_read_as_a_stream_is_imported_as_its_bytes_are(cast):
    rows = [member_row(n, uscc=valid_uscc()) for n in range(1, 4)]
    stream = io.BytesIO(csv_file(rows, bom=True))

    result = write_rows(
        rows=CheckedFile("members.csv", stream),
        association_id=cast.association.pk,
        actor=cast.staff,
        file_name="members.csv",
    )

    assert (result.created, result.rows) == (3, 3)
    assert cast.association.memberships.filter(enterprise__uscc=rows[2]["uscc"]).exists()


@pytest.mark.django_db
def test_a_file_refused_half_way_through_copy_writes_nothing_and_leaves_the_connection_usable(
    cast, settings
):
    settings.IMPORT_MAX_ROWS = 3
    rows = [member_row(n, uscc=valid_uscc()) for n in range(1, 6)]
    before = written(cast)

    with translation.override("en"), pytest.raises(ImportRefused, match="more than 3 rows"):
        write_rows(
            rows=CheckedFile("members.csv", io.BytesIO(csv_file(rows))),
            association_id=cast.association.pk,
            actor=cast.staff,
            file_name="members.csv",
        )

    assert written(cast) == before
