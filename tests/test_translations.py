"""Bahasa Indonesia is complete: every message of our code and templates has its translation.

The catalog is locale/id/LC_MESSAGES/django.po (msgids are English, the source
language); `make messages` refreshes it and compiles the .mo the server reads.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings

from tests.conftest import IN_CI

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# %(name)s, %d, %s (%% is a percent sign), and {name} / {name:X} as str.format and paths write them.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0+]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{[^{}]*\}"
)


def _our_source_folders() -> list[Path]:
    """The installed apps that live in this repository, and any project template folder."""
    base = Path(settings.BASE_DIR)
    folders = [Path(config.path) for config in apps.get_app_configs()
               if Path(config.path).is_relative_to(base)]
    for engine in settings.TEMPLATES:
        folders += [Path(folder) for folder in engine.get("DIRS", [])]
    return folders


@pytest.fixture
def fresh_catalog(tmp_path) -> polib.POFile:
    """The id catalog as `make messages` would leave it, made in a copy of the source."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        reason = "needs gettext (xgettext, msgmerge): apt-get install gettext"
        if IN_CI:
            pytest.fail(f"cannot run under CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    base = Path(settings.BASE_DIR)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for folder in _our_source_folders():
        shutil.copytree(folder, tmp_path / folder.relative_to(base), ignore=ignore,
                        dirs_exist_ok=True)
    shutil.copytree(LOCALE, tmp_path / "locale", ignore=ignore)
    shutil.copy(base / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "id", "--verbosity", "0"],
        cwd=tmp_path, check=True, capture_output=True, timeout=120,
        env={**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "market.settings"},
    )
    return polib.pofile(str(tmp_path / "locale" / "id" / "LC_MESSAGES" / "django.po"))


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{entry.msgid!r} ({where})"


def test_every_message_of_our_code_and_templates_has_an_indonesian_translation(fresh_catalog):
    untranslated = [entry for entry in fresh_catalog if not entry.obsolete
                    and ("fuzzy" in entry.flags or not entry.translated())]

    assert fresh_catalog.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert len(fresh_catalog) > 100  # the source was found, not an empty copy
    assert not untranslated, (
        f"{len(untranslated)} message(s) without a Bahasa Indonesia translation (fill their "
        f"msgstr in {PO.relative_to(settings.BASE_DIR)}, drop `#, fuzzy`, run `make messages`):\n"
        + "\n".join(_label(entry) for entry in untranslated)
    )


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    polib.pofile(str(PO)).save_as_mofile(str(compiled))

    with MO.open("rb") as committed, compiled.open("rb") as fresh:
        committed_catalog = gettext.GNUTranslations(committed)._catalog
        fresh_catalog = gettext.GNUTranslations(fresh)._catalog

    # The header ("") differs in layout between msgfmt and polib; its plural rule is checked above.
    committed_catalog.pop("", None)
    fresh_catalog.pop("", None)
    stale = {key for key in committed_catalog.keys() | fresh_catalog.keys()
             if committed_catalog.get(key) != fresh_catalog.get(key)}
    assert not stale, (
        f"{MO.relative_to(settings.BASE_DIR)} is not the compiled .po; run `make messages`. "
        f"Differing: {sorted(map(str, stale))[:20]}"
    )


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def test_each_translation_keeps_the_placeholders_of_its_msgid():
    wrong = []
    for entry in polib.pofile(str(PO)).translated_entries():
        source = entry.msgid_plural or entry.msgid
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [
            f"{entry.msgid!r}: {sorted(_placeholders(source))} != {sorted(_placeholders(text))}"
            for text in translations
            if _placeholders(text) != _placeholders(source)
        ]

    assert not wrong, "placeholders changed in translation:\n" + "\n".join(wrong)
