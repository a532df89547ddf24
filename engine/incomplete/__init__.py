"""Incomplete executions (Make's, reference §5.4): storing a run's state when it breaks,
retrying it by hand or on Make's schedule, and the scenario settings that depend on them
(`sequential`, `maxErrors`). The rows live in state.db (`engine.store.incomplete`).

- what goes around any run (crash guard, history, storing its state): engine.runtime.start_run;
- `retry.retry_incomplete`, `retry.due`, `retry.retry_due`: retries, by hand or when due;
- `policy.check_sequential`, `policy.record_outcome`: `sequential` and `maxErrors`;
- `schedule`: Make's automatic-retry schedule.

Submodules are imported by name; `engine.runtime.start` must stay cheap for runs without
history (no SQLAlchemy until something is stored).
"""
