"""Make's item types in Python, and the coercions every part of the engine shares.

Inside the engine: text `str`, number `int`/`float`, boolean `bool`, date an aware
`datetime`, time `str` "HH:mm[:ss]", buffer `bytes`, collection `dict`, array `list`,
empty `None`. Reports and payloads turn them into JSON with `to_json_value`.

Numbers follow JavaScript's (Make runs on Node): an integer beyond ±2^53 is a double, so
every number a function computes goes through `normalize_number`. Nothing bigger than
SQLite's and orjson's 64 bits can then reach storage from arithmetic; `json_safe` is the
last resort for values that arrive some other way (a parsed JSON text, a lone surrogate).
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

import orjson
from dateutil import parser as _date_parser

MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER
_SAFE_LIMIT = 2**53  # 2^53 itself is exact as a double; beyond it integers are not
_INT_TEXT_DIGITS = 4000  # Python refuses int() of texts over 4300 digits
_STORABLE_INT = (-(2**63), 2**64 - 1)  # what orjson (so history and reports) can write


class CoercionError(ValueError):
    """A value that cannot be read as the type asked for."""


def normalize_number(value: int | float) -> int | float:
    """A number as JavaScript holds it: integral results as int (JSON prints 30, not 30.0),
    integers beyond ±2^53 as doubles (infinity when even a double can't hold them)."""
    if type(value) is float:
        if value.is_integer() and -_SAFE_LIMIT <= value <= _SAFE_LIMIT:
            return int(value)
        return value
    if -_SAFE_LIMIT <= value <= _SAFE_LIMIT:
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def number_from_text(text: str) -> int | float:
    """`text` (already stripped) as a normalised number; ValueError when it is not one."""
    if len(text) <= _INT_TEXT_DIGITS:
        try:
            return normalize_number(int(text))
        except ValueError:
            pass
    return normalize_number(float(text))


def is_empty(value: Any) -> bool:
    """Make's emptiness: null, "", [] and {} are empty (ifempty, exist, required fields)."""
    return value is None or value == "" or (isinstance(value, (list, dict)) and not value)


def format_iso(dt: datetime) -> str:
    """A date as Make shows it in bundles: ISO 8601, milliseconds, `Z` for UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if dt.utcoffset() == UTC.utcoffset(None):
        return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    base = dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}"
    off = dt.strftime("%z")
    return f"{base}{off[:3]}:{off[3:]}"


def format_number(value: int | float) -> str:
    """Numbers as text the way JavaScript prints them: 5.0 -> "5", 0.1+0.2 unchanged."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def to_text(value: Any) -> str:
    """Make's toString: used when a value is put into text (templates, text operators)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, datetime):
        return format_iso(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, list):
        return ", ".join(to_text(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(to_json_value(value)).decode()
    return str(value)


def to_number(value: Any) -> int | float | None:
    """A number, or None when the value is not numeric (Make treats it as empty)."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, (int, float)):
        return normalize_number(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return number_from_text(text)
        except ValueError:
            return None
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    return None


def to_bool(value: Any) -> bool:
    """Make's boolean reading: "false", "0", "", "no", null are false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "no", "off", "null", "undefined")
    return bool(value)


def to_date(value: Any) -> datetime | None:
    """A date from a date, an ISO text, or a Unix time in milliseconds; None if not a date.

    Naive dates are read as UTC.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, ValueError, OSError):  # beyond year 9999, or NaN
            return None
    if isinstance(value, str):
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = _date_parser.isoparse(text)
            except (ValueError, OverflowError):
                try:
                    dt = _date_parser.parse(text)
                except (ValueError, OverflowError):
                    return None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return buffer_summary(bytes(value))
    if isinstance(value, datetime):
        return format_iso(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def buffer_summary(data: bytes) -> dict[str, Any]:
    """How a report shows binary data: its size and hash, not its bytes."""
    return {"type": "buffer", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def to_json_value(value: Any) -> Any:
    """A bundle as plain JSON data: dates as ISO text, buffers summarised."""
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, datetime):
        return format_iso(value)
    if isinstance(value, (bytes, bytearray)):
        return buffer_summary(bytes(value))
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if type(value) is int and not -_SAFE_LIMIT <= value <= _SAFE_LIMIT:
        return to_json_value(normalize_number(value))
    return value


def json_safe(value: Any) -> Any:
    """`value` with what JSON encoders refuse made writable: lone surrogates in text become
    U+FFFD, integers beyond 64 bits doubles. Only for a value that made orjson fail (the
    common path never walks values)."""
    if isinstance(value, str):
        return _valid_text(value)
    if isinstance(value, dict):
        return {json_safe(k) if isinstance(k, str) else k: json_safe(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if type(value) is int and not _STORABLE_INT[0] <= value <= _STORABLE_INT[1]:
        return normalize_number(value)
    return value


def has_lone_surrogate(text: str) -> bool:
    """True when `text` holds half a UTF-16 pair, which no UTF-8 encoder can write."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _valid_text(text: str) -> str:
    if not has_lone_surrogate(text):
        return text
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def _size_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "\0" * 0  # counted separately, by length
    if isinstance(value, datetime):
        return format_iso(value)
    return str(value)


def payload_size(bundle: Any) -> int:
    """Data transfer of a bundle: its JSON size in bytes, binary data by its length."""
    try:
        return len(orjson.dumps(bundle, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        binary = _binary_length(bundle)
    try:
        text = orjson.dumps(bundle, default=_size_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a lone surrogate, an integer beyond 64 bits (from a parsed JSON text)
        text = orjson.dumps(json_safe(bundle), default=_size_default,
                            option=orjson.OPT_NON_STR_KEYS)
    return binary + len(text)


def payloads_size(bundles: list[Any]) -> int:
    """The summed data transfer of several bundles, serialised in one go (the array's
    brackets and commas taken off), so a 100,000-bundle iterator costs one call."""
    if not bundles:
        return 0
    if len(bundles) == 1:
        return payload_size(bundles[0])
    try:
        whole = len(orjson.dumps(bundles, option=orjson.OPT_NON_STR_KEYS))
    except TypeError:
        return sum(payload_size(b) for b in bundles)
    return whole - 1 - len(bundles)


def _binary_length(value: Any) -> int:
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        return sum(_binary_length(v) for v in value.values())
    if isinstance(value, list):
        return sum(_binary_length(v) for v in value)
    return 0
