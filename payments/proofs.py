"""Bank-transfer proofs: an image (re-encoded) or a PDF (stored as sent), told apart by content.

Neither the file name nor the content type the client sends decides anything: a
PDF is what market.documents accepts as one, an image is what Pillow opens as JPEG,
PNG or WebP. The stored name's extension is the type found.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from market.documents import (
    PDF_CONTENT_TYPE,
    InvalidDocument,
    looks_like_pdf,
    pdf_clean,
    too_large_message,
)
from market.images import CONTENT_TYPES as IMAGE_CONTENT_TYPES
from market.images import InvalidImage, UnsupportedImageFormat, image_clean

CONTENT_TYPES = {**IMAGE_CONTENT_TYPES, "pdf": PDF_CONTENT_TYPE}


class InvalidProof(ValueError):
    """The upload is not a proof we accept; the message says why."""


def proof_clean(upload: UploadedFile) -> ContentFile:
    """The upload checked: an image re-encoded without metadata, or a PDF as it came."""
    if upload.size > settings.PROOF_MAX_BYTES:
        raise InvalidProof(too_large_message(settings.PROOF_MAX_BYTES))
    if looks_like_pdf(upload):
        try:
            return pdf_clean(upload, max_bytes=settings.PROOF_MAX_BYTES)
        except InvalidDocument as error:
            raise InvalidProof(str(error)) from error
    try:
        return image_clean(upload, max_bytes=settings.PROOF_MAX_BYTES)
    except UnsupportedImageFormat as error:
        raise InvalidProof(_("Only a JPEG, PNG or WebP image or a PDF is accepted.")) from error
    except InvalidImage as error:
        raise InvalidProof(str(error)) from error


def proof_content_type(name: str) -> str:
    """The content type of a stored proof, from the extension its check gave it."""
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
