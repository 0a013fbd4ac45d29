"""The API's JSON: DRF's renderer, with the encoding done by orjson (decision 0032).

A partner's 1000-row page is a list of a thousand dicts of strings, numbers and None: DRF's
renderer encodes it with the standard library's `json` (6-7 ms); orjson writes the same bytes
in about 1 ms. What the serializers hand over is plain, and for anything else (decimals, dates,
lazy translations, UUIDs, query sets) orjson asks DRF's own encoder, as `json` did, so the bytes
do not change. DRF still renders what orjson cannot: an indented response (`Accept:
application/json; indent=4`), an integer beyond 64 bits, a renderer set up otherwise.
"""

import orjson
from rest_framework import renderers

# Dates and dataclasses go to DRF's encoder (orjson would write them its own way); dict keys
# that are not strings are written as `json` writes them.
OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
# `json` leaves these two raw; DRF escapes them (they end a line in JavaScript).
LINE_SEPARATOR, PARAGRAPH_SEPARATOR = "\u2028".encode(), "\u2029".encode()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if indent is not None or self.ensure_ascii or not self.compact or not self.strict:
            return super().render(data, accepted_media_type, renderer_context)
        encoder = self.encoder_class()
        try:
            text = orjson.dumps(data, default=encoder.default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        return text.replace(LINE_SEPARATOR, b"\\u2028").replace(PARAGRAPH_SEPARATOR, b"\\u2029")
