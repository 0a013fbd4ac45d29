"""Files attached to an object as evidence or context (a service request's documents, a hardship
assessment's evidence): one model (core.Attachment) and one set of rules for every app.

- The kind is read from the file's first bytes, not from its name or the browser's word: PDF,
  PNG, JPEG, and the Office Open XML files DOCX and XLSX (a ZIP whose parts say which). The name's
  extension must agree with what the content is, so that a file opens as what it says it is.
- Each file is at most settings.ATTACHMENT_MAX_BYTES, and an object holds at most
  settings.ATTACHMENT_MAX_FILES.
- An app attaches inside its write service's transaction (`attach`), lists them with
  `attachments_of`, and serves one with `serve` only after its own view has found the object
  among those the person may see (a 404 otherwise): there is no download door of its own here.
"""

import zipfile
from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.downloads import content_disposition
from core.errors import DomainError
from core.models import Attachment

# kind → (extensions the name may end with, the content type it is served as)
KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "docx": (
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
ACCEPT = ",".join(ext for exts, _type in KINDS.values() for ext in exts)


def _office_kind(upload) -> str:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ""
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return ""
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return ""


def kind_of(upload) -> str:
    """What the file is by its content ("" when none of the kinds taken)."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    return ""


def _limit_mb() -> int:
    return settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)


def check_files(files: Iterable, *, field: str = "attachments", already: int = 0) -> list:
    """The uploads, each checked, with their kind set (`upload.attachment_kind`); a refusal
    names every file that is wrong and what to do about it, and nothing is kept."""
    files = [f for f in files if f]
    problems = []
    if already + len(files) > settings.ATTACHMENT_MAX_FILES:
        problems.append(
            _("Attach at most %(count)d files.") % {"count": settings.ATTACHMENT_MAX_FILES}
        )
    for upload in files:
        name = upload.name or ""
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            problems.append(
                _("%(name)s is larger than %(limit)d MB.") % {"name": name, "limit": _limit_mb()}
            )
            continue
        if upload.size == 0:
            problems.append(_("%(name)s is empty.") % {"name": name})
            continue
        kind = kind_of(upload)
        if not kind:
            problems.append(
                _("%(name)s is not a PDF, PNG, JPEG, DOCX or XLSX file.") % {"name": name}
            )
            continue
        if not name.lower().endswith(KINDS[kind][0]):
            problems.append(
                _("%(name)s is a %(kind)s file by its content; give it a name ending in %(ext)s.")
                % {"name": name, "kind": kind.upper(), "ext": KINDS[kind][0][0]}
            )
            continue
        upload.attachment_kind = kind
    if problems:
        raise DomainError(" ".join(problems), fields={field: problems})
    return files


def attachments_of(obj: Model) -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    )


def attachments_by_object(objects: list[Model]) -> dict[int, list[Attachment]]:
    """The attachments of each of `objects` (of one model), by its id, in one query (a page of
    a list)."""
    found: dict[int, list[Attachment]] = {obj.pk: [] for obj in objects}
    if objects:
        content_type = ContentType.objects.get_for_model(objects[0])
        for attachment in Attachment.objects.filter(
            content_type=content_type, object_id__in=list(found)
        ):
            found[attachment.object_id].append(attachment)
    return found


def attach(obj: Model, files: Iterable, *, actor, field: str = "attachments") -> list[Attachment]:
    """Check and store the files as `obj`'s attachments; call it inside the write's transaction
    (the rows go with it; a file written before a rollback is left unreferenced on disk)."""
    files = list(files or [])
    if not files:
        return []
    checked = check_files(files, field=field, already=attachments_of(obj).count())
    content_type = ContentType.objects.get_for_model(obj)
    stored = []
    for upload in checked:
        attachment = Attachment(
            content_type=content_type,
            object_id=obj.pk,
            name=(upload.name or "file")[-200:],
            kind=upload.attachment_kind,
            size=upload.size,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name or "file", upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def serve(attachment: Attachment) -> FileResponse:
    """The file as a download (never shown inline: a PDF or an image opens from the disk)."""
    response = FileResponse(
        attachment.file.open("rb"), content_type=KINDS[attachment.kind][1], as_attachment=True
    )
    ascii_name = "".join(
        c if (c.isascii() and c.isalnum()) or c in "._-" else "-" for c in attachment.name
    )
    response["Content-Disposition"] = content_disposition(attachment.name, ascii_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A form field for several files at once (Django's documented pattern); checking is
    `check_files`'s in the service, so that the page and the API refuse the same files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            gettext_lazy("PDF, PNG, JPEG, DOCX or XLSX; several files may be chosen at once."),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [data] if data else []


class AttachmentsField(serializers.ListField):
    """Files sent as multipart `attachments` (the field repeated once per file)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.FileField())
        kwargs.setdefault("required", False)
        kwargs.setdefault("write_only", True)
        kwargs.setdefault(
            "help_text", "PDF, PNG, JPEG, DOCX or XLSX files (checked by content), as multipart."
        )
        super().__init__(**kwargs)


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "name", "kind", "size", "uploaded_at"]
