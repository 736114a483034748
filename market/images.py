"""Uploaded images: verified by Pillow, bounded, re-encoded without metadata; thumbnails.

Shared by every upload of the marketplace (product photos, payment proofs).
"""

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # 6000 x 4000: any phone camera, far below a decompression bomb
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Phones write JPEGs with extra frames (depth maps, HDR gain maps) that Pillow calls MPO.
SAME_FORMAT = {"MPO": "JPEG"}
THUMBNAIL_SIZES = {"small": 160, "medium": 400, "large": 800}


class InvalidImage(ValueError):
    """The upload is not an image we accept; the message says why."""


def image_clean(upload: UploadedFile) -> ContentFile:
    """Check an upload and return it re-encoded (same format, EXIF and metadata dropped)."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise InvalidImage(
            _("The file is larger than %(limit)d MB.") % {"limit": MAX_UPLOAD_BYTES // 2**20}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:  # reads the header only
            image_format = SAME_FORMAT.get(probe.format, probe.format)
            width, height = probe.size
            if image_format not in FORMATS:
                raise InvalidImage(_("Only JPEG, PNG and WebP images are accepted."))
            if width * height > MAX_PIXELS:
                raise InvalidImage(
                    _("The image has more than %(limit)d megapixels.")
                    % {"limit": MAX_PIXELS // 1_000_000}
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            cleaned = _without_metadata(ImageOps.exif_transpose(image), image_format)
    except InvalidImage:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError,
            ValueError) as error:
        raise InvalidImage(_("The file is not a valid image.")) from error
    name = PurePosixPath(upload.name or "image").stem[:80] or "image"
    return ContentFile(cleaned, name=f"{name}.{FORMATS[image_format]}")


def _without_metadata(image: Image.Image, image_format: str) -> bytes:
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {"optimize": True}
    # A fresh save writes no EXIF or XMP (camera, GPS); a PNG keeps only its colour profile.
    image.save(out, format=image_format, **options)
    return out.getvalue()


def thumbnails_render(source) -> dict[str, bytes]:
    """WebP thumbnails of a stored image, one per size, keeping the aspect ratio."""
    with Image.open(source) as image:
        image.load()
        if image.mode not in ("RGB", "RGBA"):
            # Palette PNGs mark their see-through colour in info, not in an alpha band.
            transparent = "A" in image.getbands() or "transparency" in image.info
            image = image.convert("RGBA" if transparent else "RGB")
        rendered = {}
        for size_name, longest_side in THUMBNAIL_SIZES.items():
            thumbnail = image.copy()
            thumbnail.thumbnail((longest_side, longest_side))
            out = io.BytesIO()
            thumbnail.save(out, format="WEBP", quality=80)
            rendered[size_name] = out.getvalue()
        return rendered
