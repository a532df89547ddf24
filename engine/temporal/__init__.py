"""Scenarist on a Temporal cluster (issue #16): one execution = one workflow.

- `workflow`: the executor's walk as deterministic workflow code;
- `effects`: which operations are activities, and the stand-in the walk calls for them;
- `activities`: what runs on a worker (operations, connections, incomplete executions);
- `retries`: Make's retry semantics as Temporal retry policies;
- `codec`: bundles as readable JSON payloads;
- `worker`, `client`: hosting workflows, submitting executions;
- `cluster`: `serve --engine temporal`'s runs; `results`: a report back into a RunResult.

Nothing here is imported unless a cluster is used (temporalio loads with it).
"""
