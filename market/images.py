"""Uploaded images: verified by Pillow, bounded, re-encoded without metadata; thumbnails.

Shared by every upload of the marketplace (product photos, logos, payment proofs).
What one upload may cost is bounded before any pixel is decoded: the file size
(IMAGE_MAX_UPLOAD_BYTES), the pixel count its header claims (IMAGE_MAX_PIXELS), and
the stored size (IMAGE_MAX_SIDE, which lets a JPEG decode at a reduced scale).
"""

import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Phones write JPEGs with extra frames (depth maps, HDR gain maps) that Pillow calls MPO.
SAME_FORMAT = {"MPO": "JPEG"}
THUMBNAIL_SIZES = {"small": 160, "medium": 400, "large": 800}

# Everywhere in the process (the worker's thumbnails too), Pillow refuses to open an
# image of more than twice this many pixels: a decompression bomb raises, never decodes.
Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS


class InvalidImage(ValueError):
    """The upload is not an image we accept; the message says why."""


class UnsupportedImageFormat(InvalidImage):
    """Not JPEG, PNG or WebP (perhaps not an image at all)."""


def _unsupported() -> UnsupportedImageFormat:
    return UnsupportedImageFormat(_("Only JPEG, PNG and WebP images are accepted."))


def image_clean(upload: UploadedFile, *, max_bytes: int | None = None) -> ContentFile:
    """Check an upload and return it re-encoded (same format, EXIF and metadata dropped).

    The returned file is named `image.<extension of the format found>`; the
    uploader's name is never kept.
    """
    max_bytes = settings.IMAGE_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if upload.size > max_bytes:
        raise InvalidImage(
            _("The file is larger than %(limit)s MB.") % {"limit": _megabytes(max_bytes)}
        )
    try:
        upload.seek(0)
        # Only our formats' openers: nothing else (EPS, TIFF, ...) ever parses an upload.
        with Image.open(upload, formats=list(FORMATS)) as probe:  # reads the header only
            image_format = SAME_FORMAT.get(probe.format, probe.format)
            if image_format not in FORMATS:
                raise _unsupported()
            _pixels_check(*probe.size)
            probe.verify()
        upload.seek(0)
        with Image.open(upload, formats=list(FORMATS)) as image:
            _pixels_check(*image.size)
            cleaned = _without_metadata(_bounded(image), image_format)
    except InvalidImage:
        raise
    except Image.DecompressionBombError as error:
        raise InvalidImage(_too_many_pixels_message()) from error
    except UnidentifiedImageError as error:
        raise _unsupported() from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidImage(_("The file is not a valid image.")) from error
    return ContentFile(cleaned, name=f"image.{FORMATS[image_format]}")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:g}"


def _too_many_pixels_message() -> str:
    return _("The image has more than %(limit)s megapixels.") % {
        "limit": f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g}"
    }


def _pixels_check(width: int, height: int) -> None:
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise InvalidImage(_too_many_pixels_message())


def _bounded(image: Image.Image) -> Image.Image:
    """Decoded at most IMAGE_MAX_SIDE on its longest side, upright.

    A JPEG decoder is asked for the smallest 1/2, 1/4 or 1/8 scale still large enough
    (`draft`), other formats are reduced by an integer factor before resampling
    (`thumbnail`'s `reduce`); a photo already small enough is decoded as it is.
    """
    side = settings.IMAGE_MAX_SIDE
    width, height = image.size
    if max(width, height) > side:
        ratio = side / max(width, height)
        image.draft(None, (max(1, int(width * ratio)), max(1, int(height * ratio))))
    image.thumbnail((side, side))
    image.load()
    return ImageOps.exif_transpose(image)


def _without_metadata(image: Image.Image, image_format: str) -> bytes:
    if image_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    # Not PNG's `optimize`: its exhaustive search costs seconds of CPU for a few per cent.
    options = {"quality": 85} if image_format in ("JPEG", "WEBP") else {}
    # A fresh save writes no EXIF or XMP (camera, GPS); a PNG keeps only its colour profile.
    image.save(out, format=image_format, **options)
    return out.getvalue()


def thumbnails_render(source) -> dict[str, bytes]:
    """WebP thumbnails of a stored image, one per size, keeping the aspect ratio."""
    largest = max(THUMBNAIL_SIZES.values())
    with Image.open(source, formats=list(FORMATS)) as image:
        # A JPEG decodes at the smallest scale still larger than the largest thumbnail.
        image.draft(None, (largest, largest))
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
