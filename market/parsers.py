"""Request parsers: JSON with a nesting limit, so no body can exhaust the stack."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def json_depth(data) -> int:
    """How deeply lists and objects nest in parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in value)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:  # nested beyond what the decoder can follow
            raise ParseError(_("JSON nested too deeply.")) from error
        limit = settings.API_MAX_JSON_DEPTH
        if json_depth(data) > limit:
            raise ParseError(_("JSON nested deeper than %(limit)d levels.") % {"limit": limit})
        return data
