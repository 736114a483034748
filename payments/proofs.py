"""Bank-transfer proofs: an image (re-encoded) or a PDF (stored as sent), told apart by content.

Neither the file name nor the content type the client sends decides anything: a
PDF is a file that starts with `%PDF-` and has a PDF's trailer, an image is what
Pillow opens as JPEG, PNG or WebP. The stored name's extension is the type found.
"""

import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from market.images import CONTENT_TYPES as IMAGE_CONTENT_TYPES
from market.images import InvalidImage, UnsupportedImageFormat, image_clean

CONTENT_TYPES = {**IMAGE_CONTENT_TYPES, "pdf": "application/pdf"}
PDF_MAGIC = b"%PDF-"
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
# Where the trailer must be: `startxref`, its offset and `%%EOF` end every PDF.
_PDF_TAIL_BYTES = 2048
_PDF_TRAILER = re.compile(rb"startxref\s+\d+\s+%%EOF")
# Active content a receipt never needs. A cheap screen, not a PDF sanitizer: the file
# is only ever answered as an attachment, never rendered by us.
_PDF_ACTIVE = (b"/JavaScript", b"/Launch", b"/EmbeddedFile")


class InvalidProof(ValueError):
    """The upload is not a proof we accept; the message says why."""


def proof_clean(upload: UploadedFile) -> ContentFile:
    """The upload checked: an image re-encoded without metadata, or a PDF as it came."""
    if upload.size > settings.PROOF_MAX_BYTES:
        raise InvalidProof(
            _("The file is larger than %(limit)s MB.")
            % {"limit": f"{settings.PROOF_MAX_BYTES / 2**20:g}"}
        )
    upload.seek(0)
    if upload.read(len(PDF_MAGIC)) == PDF_MAGIC:
        return _pdf_clean(upload)
    try:
        return image_clean(upload, max_bytes=settings.PROOF_MAX_BYTES)
    except UnsupportedImageFormat as error:
        raise InvalidProof(_("Only a JPEG, PNG or WebP image or a PDF is accepted.")) from error
    except InvalidImage as error:
        raise InvalidProof(str(error)) from error


def proof_content_type(name: str) -> str:
    """The content type of a stored proof, from the extension its check gave it."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def _pdf_clean(upload: UploadedFile) -> ContentFile:
    upload.seek(0)
    content = upload.read()
    if not (
        _PDF_HEADER.match(content)
        and _PDF_TRAILER.search(content[-_PDF_TAIL_BYTES:])
        and b"obj" in content
    ):
        raise InvalidProof(_("The file is not a valid PDF."))
    if any(marker in content for marker in _PDF_ACTIVE):
        raise InvalidProof(_("A PDF with scripts, actions or attached files is not accepted."))
    return ContentFile(content, name="proof.pdf")
