"""Bahasa Indonesia dates with the month written out, as Indonesian shops and letters do.

Django's own `id` formats abbreviate the month ("1 Des 2026"); everything else is theirs.
"""

DATE_FORMAT = "j F Y"  # 1 Desember 2026
DATETIME_FORMAT = "j F Y, H.i"  # 1 Desember 2026, 14.30
