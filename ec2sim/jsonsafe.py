"""JSON from users, parsed safely: every JSON document the server reads from a request goes here.

`loads(data)` is `json.loads` with bounds, and one failure type: `JsonError` (a `ValueError`) for
anything that is not acceptable JSON, so callers answer their own 4xx and never a 500:
- size: at most `MAX_SIZE` characters (callers with bigger documents pass `max_size`);
- nesting: at most `MAX_DEPTH` levels, checked before parsing (no RecursionError);
- numbers: a number outside a double's range is rejected, integers included (so Python's
  int-string limit of 4,300 digits is never reached), as are ``NaN``/``Infinity`` (not JSON,
  though `json` accepts them);
- strings: an escape of a character no response can carry back (`NOT_XML`: a lone UTF-16
  surrogate, which has no UTF-8 encoding, or a control character XML 1.0 can't hold) is
  rejected, so what a document names can be echoed in a response.
`DECODER` is the decoder `loads` uses, for callers that walk a document with ``raw_decode``
after `loads` accepted it (the policy grammar's statement offsets).
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

MAX_SIZE = 1024 * 1024
MAX_DEPTH = 64
_MAX_INT_CHARS = 310  # a sign and 309 digits: past that no integer fits a double

# A JSON string (escapes included; unterminated, it runs to the end, so the scan stays linear)
# or a bracket: brackets inside strings don't nest.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
# Characters XML 1.0 can't carry, even as references, and lone surrogates (no UTF-8 either).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# A JSON escape that may decode to one of them (raw control characters are JSON syntax errors).
_RISKY_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|00[01]|[fF]{3}[eEfF])")


class JsonError(ValueError):
    """The text is not acceptable JSON; ``str()`` says why."""


def _int(text: str) -> int:
    """An integer a double can hold: callers compare numbers as floats (policy conditions), and
    ``int()`` itself fails past 4,300 digits."""
    if len(text) > _MAX_INT_CHARS or abs(value := int(text)) > sys.float_info.max:
        raise JsonError(f"number out of range: {text[:40]}...")
    return value


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonError(f"number out of range: {text[:40]}...")
    return value


def _constant(name: str) -> Any:
    raise JsonError(f"not JSON: {name}")


DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=_constant)


def loads(data: str | bytes, *, max_size: int = MAX_SIZE, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `data` (UTF-8 when bytes), or `JsonError`."""
    if isinstance(data, bytes):
        if len(data) > 4 * max_size:
            raise JsonError(f"document larger than {max_size} characters")
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonError("document is not UTF-8") from None
    if len(data) > max_size:
        raise JsonError(f"document larger than {max_size} characters")
    _check_depth(data, max_depth)
    try:
        value = DECODER.decode(data)
    except RecursionError:
        raise JsonError("document nested too deeply") from None
    except JsonError:
        raise
    except ValueError as error:  # json.JSONDecodeError, with its position
        raise JsonError(str(error)) from None
    if _RISKY_ESCAPE.search(data) or NOT_XML.search(data):
        _check_strings(value)
    return value


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise JsonError(f"document nested deeper than {max_depth} levels")
        elif token in ("]", "}"):
            depth -= 1


def _check_strings(value: Any) -> None:
    """Every string of the document, keys included, without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NOT_XML.search(item):
                raise JsonError("string with a character no response can carry (control or lone surrogate)")
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
