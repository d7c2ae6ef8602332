"""The API's one body parser: DRF's JSONParser, with a body nested too deep to parse refused like any other
malformed JSON."""
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    """json.loads recurses once per nesting level, so `[` × 100,000 raises RecursionError, which DRF's parser (it
    catches ValueError) let through as a 500. The exception handler renders the ParseError as 400
    malformed_request."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply") from exc
