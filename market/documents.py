"""Uploaded documents: a PDF, checked by its content and stored as it came.

Shared by every PDF the platform keeps (bank-transfer proofs, RAT minutes). Neither
the file name nor the content type the client sends decides anything: a PDF is a
file that starts with a PDF header and ends with a PDF's trailer. What one check
costs is bounded by the size limit the caller passes, tested before a byte is read.
"""

import re

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

PDF_MAGIC = b"%PDF-"
PDF_CONTENT_TYPE = "application/pdf"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
# Where the trailer must be: `startxref`, its offset and `%%EOF` end every PDF.
_PDF_TAIL_BYTES = 2048
_PDF_TRAILER = re.compile(rb"startxref\s+\d+\s+%%EOF")
# Active content a receipt or the minutes of a meeting never need. A cheap screen, not
# a PDF sanitizer: a stored PDF is only ever answered as an attachment, never rendered.
_PDF_ACTIVE = (b"/JavaScript", b"/Launch", b"/EmbeddedFile")


class InvalidDocument(ValueError):
    """The upload is not a document we accept; the message says why."""


def too_large_message(max_bytes: int) -> str:
    return _("The file is larger than %(limit)s MB.") % {"limit": f"{max_bytes / 2**20:g}"}


def looks_like_pdf(upload: UploadedFile) -> bool:
    """The upload starts as a PDF does (whether it is a valid one is pdf_clean's to say)."""
    upload.seek(0)
    return upload.read(len(PDF_MAGIC)) == PDF_MAGIC


def pdf_clean(upload: UploadedFile, *, max_bytes: int) -> ContentFile:
    """The upload checked as a PDF without active content, returned as it came.

    The returned file is named `document.pdf`; the uploader's name is never kept.
    """
    if upload.size > max_bytes:
        raise InvalidDocument(too_large_message(max_bytes))
    upload.seek(0)
    content = upload.read()
    if not (
        _PDF_HEADER.match(content)
        and _PDF_TRAILER.search(content[-_PDF_TAIL_BYTES:])
        and b"obj" in content
    ):
        raise InvalidDocument(_("The file is not a valid PDF."))
    if any(marker in content for marker in _PDF_ACTIVE):
        raise InvalidDocument(_("A PDF with scripts, actions or attached files is not accepted."))
    return ContentFile(content, name="document.pdf")
