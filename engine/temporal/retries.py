"""Make's retry semantics as Temporal retry policies.

A module's own errors are never retried by Temporal: they go back to the scenario's walk at
once, where Make's rules apply as they do locally (the HTTP client's own retries of rate
limits, error handlers, Break's automatic retries stored as an incomplete execution). What
Temporal retries is the loss of the worker running an operation: the activity stops
heartbeating, and another worker runs it again (with backoff, without end: a cluster with no
worker left waits for one).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

HEARTBEAT_EVERY_S = 2.0
# A worker silent this long is taken for dead; its operation goes to another.
HEARTBEAT_TIMEOUT = timedelta(seconds=10)

OPERATION_RETRIES = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
)
