"""Operations stored in batches: one `operation_batch` row per couple of thousand operations.

Recording an operation must cost far less than running it (a Compose module runs in ~1.5 µs),
so nothing is done per operation in Python: the executor appends its rows
(engine.executor.events.OperationRow), and about a hundred at a time become JSON in one orjson
call (engine.history.batcher); a couple of thousand make one payload (engine.history.payloads:
typed, redacted, compressed) and one SQLite row.

A batch's payload is a JSON array with one array per operation, in order:

    [module_id, input, outputs, duration_ns, error, filter_passed]

(the last two left out when the module has no filter and did not fail), where `outputs` is
the number of output bundles instead (and `input` null) when bundle data
is not kept (confidential scenarios). Its row says the first operation's seq (the others
follow) and the cycle they all ran in. `operations` reads batches, and the one-row-per-
operation rows of `operation` that runs recorded before batches, as one list.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.executor.events import OperationRow, row_bundles, row_outcome
from engine.history.payloads import decode

if TYPE_CHECKING:
    from engine.history.writer import RunSink


def without_bundles(rows: list[OperationRow]) -> list[Any]:
    """Rows with no bundle data: the number of outputs instead of them, no input."""
    return [(row[0], None, len(row_bundles(row[2])), row[3], *row_outcome(row))
            for row in rows]


def encode_batch(sink: RunSink, rows: list[Any]) -> bytes:
    """A batch's payload. A value orjson refuses (a lone surrogate, an integer beyond 64
    bits) is stored made writable, and the run told which module's bundle it was."""
    codec = sink.codec
    counted = codec.stored_bytes
    try:
        return codec.encode_rows(rows)
    except (TypeError, ValueError):  # find the value at fault, row by row
        codec.stored_bytes = counted
    return codec.encode_rows([_storable(sink, row) for row in rows])


def _storable(sink: RunSink, row: Any) -> Any:
    module_id, input_, outputs, duration = row[:4]
    error, passed = row_outcome(row)
    return (module_id, sink.storable(input_, f"module {module_id}'s input bundle"),
            sink.storable(outputs, f"module {module_id}'s output bundles"), duration,
            sink.storable(error, f"module {module_id}'s error"), passed)


def decode_batch(first_seq: int, cycle: int, content: bytes,
                 blobs: Path) -> Iterable[dict[str, Any]]:
    """A batch's operations as `engine.history.queries.operations` lists them."""
    for k, row in enumerate(decode(content, blobs) or []):
        module_id, input_, outputs, duration_ns = row[:4]
        error, passed = row[4:6] if len(row) > 4 else (None, None)
        count = len(outputs) if isinstance(outputs, list) else int(outputs or 0)
        yield {
            "seq": first_seq + k, "kind": "operation", "cycle": cycle, "module_id": module_id,
            "duration_ms": duration_ns / 1e6, "filter_passed": passed,
            "output_count": count, "error": error, "input": input_,
            "outputs": outputs if isinstance(outputs, list) else None,
        }
