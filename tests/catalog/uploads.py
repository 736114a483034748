"""Uploads made in the test with Pillow: real images, and files that only pretend to be."""

import io
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def camera_exif() -> Image.Exif:
    """What a phone writes: make, model, orientation and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "Galaxy A14"  # Model
    exif[0x0112] = 1  # Orientation: upright
    exif[0x8825] = {1: "S", 2: (0.0, 52.0, 0.0), 3: "E", 4: (109.0, 23.0, 0.0)}  # GPS
    return exif


def image_bytes(
    image_format: str = "JPEG",
    size: tuple[int, int] = (1200, 900),
    color: str | None = None,
    **save_options,
) -> bytes:
    if color:
        image = Image.new("RGB", size, color)
    else:  # gradients, so that there is something to encode
        across = Image.linear_gradient("L").rotate(90).resize(size)
        down = Image.linear_gradient("L").resize(size)
        image = Image.merge("RGB", (across, down, Image.new("L", size, 120)))
    out = io.BytesIO()
    image.save(out, format=image_format, **save_options)
    return out.getvalue()


def image_upload(
    image_format: str = "JPEG",
    size: tuple[int, int] = (1200, 900),
    name: str | None = None,
    color: str | None = None,
    **save_options,
) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name or f"foto.{EXTENSIONS[image_format]}",
        image_bytes(image_format, size, color, **save_options),
        content_type=CONTENT_TYPES[image_format],
    )


def text_file_named_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "foto.jpg", b"Harga kopi naik lagi.\n" * 50, content_type="image/jpeg"
    )


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG of a few hundred bytes whose header claims width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    first_rows = zlib.compress(b"\x00" * (width + 1) * 4)  # grey, filter byte per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", first_rows)
        + chunk(b"IEND", b"")
    )


def phone_jpeg_with_a_second_frame() -> bytes:
    """A JPEG as recent phones write it: the photo plus an extra frame (depth map, HDR gain
    map) in an MPF segment. Pillow reports its format as MPO."""
    photo = Image.new("RGB", (400, 300), "red")
    gain_map = Image.new("RGB", (200, 150), "gray")
    out = io.BytesIO()
    photo.save(out, format="MPO", save_all=True, append_images=[gain_map], exif=camera_exif())
    return out.getvalue()


def transparent_palette_png(size: tuple[int, int] = (300, 200)) -> bytes:
    """A cut-out product photo as PNG optimizers write it: palette colours, index 0 clear."""
    image = Image.new("P", size, 0)
    image.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
    image.paste(1, (size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4))
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)
    return out.getvalue()
