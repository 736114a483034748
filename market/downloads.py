"""Answering a private file (market.uploads.private_storage) to a caller a view has checked.

As an attachment (or, asked for, inline: shown in a page), never sniffed nor cached;
behind nginx (settings PRIVATE_MEDIA_ACCEL_REDIRECT) an `X-Accel-Redirect` to its internal
location, so the proxy streams the bytes, else streamed by Django.
"""

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from rest_framework.negotiation import DefaultContentNegotiation


class AnyAcceptNegotiation(DefaultContentNegotiation):
    """A download answers whatever the client accepts; errors are still JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def private_file_response(
    file: FieldFile, *, filename: str, content_type: str, inline: bool = False
) -> HttpResponse:
    """The stored file as an attachment named `filename` (with `inline`, to be shown)."""
    prefix = settings.PRIVATE_MEDIA_ACCEL_REDIRECT
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{file.name}"
        response["Content-Disposition"] = content_disposition_header(not inline, filename)
    else:
        response = FileResponse(
            file.open("rb"), as_attachment=not inline, filename=filename,
            content_type=content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
