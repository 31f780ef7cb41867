"""JSON parsing that answers 400, never 500, for pathological bodies."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request of this API nests deeper than a few levels; 32 leaves room for clients.
MAX_JSON_DEPTH = 32


def _depth_exceeds(data, limit: int) -> bool:
    """True when lists/objects in `data` nest deeper than `limit` (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing deeply nested bodies with a ParseError (400).

    `'[' * 500 + ']' * 500` (1 KB) exhausted the recursion limit in the json module or
    later in whatever walked the data, depending on the server's stack depth; DRF only
    turns ValueError into a ParseError, so the request ended in a 500 HTML page.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON 嵌套层数过深") from exc
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError("JSON 嵌套层数过深")
        return data
