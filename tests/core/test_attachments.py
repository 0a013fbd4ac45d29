"""Files attached to objects: the kind is read from the content, the name must agree, size and
count are bounded, and a refusal keeps nothing."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from core.attachments import attach, attachments_of, check_files, kind_of, serve
from core.errors import DomainError
from core.models import Attachment
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _office(part: str) -> bytes:
    """A minimal Office file, the same bytes at every call: its members carry a fixed time, so
    that the test ids made from it are the same in every pytest-xdist worker."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("[Content_Types].xml", part):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), "<x/>")
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("合同.pdf", PDF, "pdf"),
        ("photo.PNG", PNG, "png"),
        ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, "jpeg"),
        ("letter.docx", _office("word/document.xml"), "docx"),
        ("figures.xlsx", _office("xl/workbook.xml"), "xlsx"),
    ],
)
def test_kinds_are_read_from_the_content(name, content, kind):
    [checked] = check_files([upload(name, content)])
    assert checked.attachment_kind == kind


@pytest.fixture
def _in_english():
    with translation.override("en"):
        yield


@pytest.mark.usefixtures("_in_english")
@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("evil.pdf", b"<html><script>alert(1)</script>", "is not a PDF"),
        ("report.pdf", PNG, "give it a name ending in .png"),
        ("archive.docx", _office("other/thing.xml"), "is not a PDF"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_a_file_that_is_not_what_it_says_is_refused_by_name(name, content, says):
    with pytest.raises(DomainError) as refused:
        check_files([upload(name, content)])
    assert name in refused.value.message and says in refused.value.message
    assert refused.value.fields["attachments"]


@pytest.mark.usefixtures("_in_english")
def test_size_and_count_are_bounded(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(DomainError, match="larger than"):
        check_files([upload("big.pdf", PDF + b"0" * 2048)])
    settings.ATTACHMENT_MAX_FILES = 2
    with pytest.raises(DomainError, match="at most 2 files"):
        check_files([upload(f"{i}.pdf", PDF) for i in range(3)])


def test_attach_keeps_the_files_of_one_object_and_serves_them_as_downloads():
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    attach(enterprise, [upload("营业执照.pdf", PDF)], actor=None)
    assert [a.name for a in attachments_of(enterprise)] == ["营业执照.pdf"]
    assert not attachments_of(other).exists()
    stored = Attachment.objects.get()
    assert "营业执照" not in stored.file.name  # stored under a random name
    response = serve(stored)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_refused_file_among_good_ones_stores_none():
    enterprise = EnterpriseFactory()
    with pytest.raises(DomainError):
        attach(enterprise, [upload("ok.pdf", PDF), upload("bad.pdf", b"MZ\x90\x00")], actor=None)
    assert not Attachment.objects.exists()


def test_kind_of_leaves_the_file_readable_from_the_start():
    file = upload("a.pdf", PDF)
    assert kind_of(file) == "pdf"
    assert file.read() == PDF
