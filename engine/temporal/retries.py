"""Make's retry semantics as Temporal retry policies.

Make retries an operation on its own only for errors that say the other side may answer
later: a connection that failed and a rate limit. Those are the activity errors Temporal
retries (with backoff, a few times); every other module error goes back to the scenario's
walk at once, where error handlers (Break's automatic retries included, stored as an
incomplete execution as Make stores one) decide.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

RETRIED_ERRORS = frozenset({"ConnectionError", "RateLimitError"})

OPERATION_RETRIES = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=3,
)
