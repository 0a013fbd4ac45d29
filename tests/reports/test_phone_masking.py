"""A phone number typed into free text is masked in every report, however it is written:
full-width digits, dots, slashes, spaces or dashes between the digits, a +86 prefix, a label
glued to it, or all of these mixed."""

import csv
import io
import re
import unicodedata
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports import rendering
from reports.figures import mask_personal
from supplies import services as needs
from supplies.models import Need
from tests.conftest import api_as
from tests.reports.sample import quiet_tasks, ready_report
from tests.reports.test_downloads import pdf_text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话１３８１２３４５６７８", "电话１３８********"),
        ("tel13912345678", "tel139********"),
        ("TEL13912345678 / Mobile13712345678", "TEL139******** / Mobile137********"),
        ("138.1234.5678", "138.****.****"),
        ("138/1234/5678", "138/****/****"),
        ("138 1234 5678", "138 **** ****"),
        ("138 - 1234 - 5678", "138 - **** - ****"),
        ("138—1234—5678", "138—****—****"),
        ("+86 138 1234 5678", "+86 *** **** ****"),
        ("＋８６－１３８－１２３４－５６７８", "＋８６－***－****－****"),
        ("（+86）13812345678", "（+86）***********"),
        ("请联系１３８-1234.５６７８，谢谢", "请联系１３８-****.****，谢谢"),
        ("138\u200b1234\u200b5678", "138\u200b****\u200b****"),  # zero-width spaces
        ("座机 020.8765.4321", "座机 020.****.****"),
        ("ID44010619900101123X", "ID440***************"),
    ],
)
def test_phone_and_id_numbers_are_masked_however_they_are_written(text, masked):
    assert mask_personal(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "型号 AB13812345678",  # a model code, not a phone
        "订单号 20200210，共 1000 件（急）",  # and the Chinese punctuation stays as written
        "口罩 5000 只，消毒液 120.5 升",
    ],
)
def test_other_numbers_and_the_text_around_them_stay_as_written(text):
    assert mask_personal(text) == text


# --- end to end: a need's description in the report ---------------------------------------

PHONES = ["１３８１２３４５６７８", "tel13912345678", "137.2345.6789", "136/3456/7890"]
DESCRIPTION = "原材料运输受阻，请联系 " + "、".join(PHONES)


def shows_a_phone(text: str) -> bool:
    """Whether the last eight digits of one of PHONES can be read in `text`, whatever is
    written between them."""
    readable = unicodedata.normalize("NFKC", text)
    for phone in PHONES:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))[-8:]
        if re.search(r"[^\d]{0,3}".join(digits), readable):
            return True
    return False


@pytest.fixture
def report(cast, monkeypatch):
    """The cast association's report of this week, with a difficulty whose description names
    the phones, escalated (so that it is listed among the pressing needs)."""
    quiet_tasks(monkeypatch)
    difficulty = needs.need_file(
        actor=cast.enterprise_user,
        kind=Need.Kind.DIFFICULTY,
        difficulty_kind="transport",
        description=DESCRIPTION,
        urgency="critical",
        needed_by=timezone.localdate() + timedelta(days=3),
    )
    needs.need_escalate(
        actor=cast.staff, need_id=difficulty.pk, summary=f"物流中断，企业电话 {PHONES[0]}"
    )
    return ready_report(association=cast.association, remarks=f"如有疑问请致电 {PHONES[2]}")


@pytest.mark.django_db
def test_the_report_api_shows_the_description_with_the_phones_masked(cast, report):
    response = api_as(cast.staff).get(f"/api/v1/reports/{report.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    [row] = [
        row for row in response.json()["data"]["urgent"]["rows"] if row["kind"] == "difficulty"
    ]
    assert row["need"]["text"].startswith("原材料运输受阻，请联系 １３８********、tel139")
    assert not shows_a_phone(body)


@pytest.mark.django_db
def test_the_downloads_show_the_description_with_the_phones_masked(cast, report, tmp_path):
    csv_text = rendering.render_csv(report).decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(rendering.render_xlsx(report)))
    xlsx_text = "\n".join(
        str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row
    )

    cells = [cell for row in csv.reader(io.StringIO(csv_text)) for cell in row]
    assert any("原材料运输受阻，请联系 １３８********、tel139" in cell for cell in cells)
    assert not shows_a_phone(csv_text)
    assert "原材料运输受阻" in xlsx_text and not shows_a_phone(xlsx_text)
    pdf = pdf_text(rendering.render_pdf(report), tmp_path)
    assert "原材料运输受阻" in pdf and not shows_a_phone(pdf)


@pytest.mark.django_db
def test_the_csv_download_through_the_api_shows_no_phone(cast, report):
    response = api_as(cast.staff).get(f"/api/v1/reports/{report.pk}/download/?format=csv")

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "原材料运输受阻" in text
    assert not shows_a_phone(text)
