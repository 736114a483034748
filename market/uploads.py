"""Where uploaded files are stored: random names, and a private storage never served publicly.

Public uploads (product photos, cooperative logos) live in MEDIA_ROOT and have URLs;
private ones (bank-transfer proofs) live in PRIVATE_MEDIA_ROOT and are answered only
by a view that checks who is asking. Either way a stored name never carries the
uploader's file name, so it cannot be guessed nor leak what the file was called.
"""

import os
import re
import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

_EXTENSION = re.compile(r"[a-z0-9]{1,5}")


def random_file_name(folder: str, filename: str) -> str:
    """`<folder>/<32 random hex digits>.<extension of filename>`; the rest of the name is dropped.

    Callers pass the name of a file they validated and named themselves, so the
    extension says what the content was found to be.
    """
    extension = PurePosixPath(filename).suffix.lstrip(".").lower()
    suffix = f".{extension}" if _EXTENSION.fullmatch(extension) else ""
    return f"{folder.strip('/')}/{uuid.uuid4().hex}{suffix}"


@deconstructible
class RandomFileName:
    """`upload_to` of a field whose files go into one folder under random names."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        return random_file_name(self.folder, filename)

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomFileName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT: no URL; read them through a view that checks access."""

    @cached_property
    def base_location(self):
        location = Path(self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT))
        media_root = Path(settings.MEDIA_ROOT).resolve()
        resolved = location.resolve()
        if resolved == media_root or media_root in resolved.parents:
            raise ImproperlyConfigured(
                "PRIVATE_MEDIA_ROOT must not lie inside MEDIA_ROOT, which the proxy serves."
            )
        return os.fspath(location)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting in ("PRIVATE_MEDIA_ROOT", "MEDIA_ROOT"):
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("A private file has no public URL; answer it from a view.")


def private_storage() -> Storage:
    """The `storage=` of private file fields (settings STORAGES["private"])."""
    return storages["private"]
