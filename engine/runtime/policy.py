"""What kind of run this is, and so what goes around it (`RunPolicy`).

Every way of starting a run is named here, with what it decides: whether history records it
(and under which trigger label and kind), whether its external effects are recorded (for a
deterministic replay later), whether a crash guard is written, whether its incomplete
executions are stored and its outcome counted (Make's consecutive errors), and whether it
feeds recorded effects back (deterministic replay). `engine.runtime.start.start_run` obeys it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunKind(StrEnum):
    MANUAL = "manual"  # `scenarist run`
    DEBUG = "debug"  # Run once in the window
    RETRY = "retry"  # an incomplete execution resumed
    LIVE_REPLAY = "live_replay"  # a past run again, live, with its trigger data
    DETERMINISTIC_REPLAY = "deterministic_replay"  # a past run with its effects fed back
    SCHEDULED = "scheduled"  # the runtime's timer
    WEBHOOK = "webhook"  # the runtime's webhook intake
    SUBSCENARIO = "subscenario"  # a scenario another one called (scenario-service)
    WORKFLOW = "workflow"  # a cluster run's walk, inside its Temporal workflow


@dataclass(frozen=True)
class RunPolicy:
    kind: RunKind
    history: bool = True  # recorded in history.db
    trigger: str = "manual"  # history's trigger label: "manual" | "webhook" | "schedule"
    history_kind: str = "run"  # history's kind: "run" | "retry" | "replay"
    record_effects: bool = True  # keep the run's external effects (when history records it)
    record_pins: bool = False  # the debugger's pinned outputs kept with the effects
    guard: bool = True  # crash guard file while it runs
    bind_connections: bool = True  # the workspace's connections bound to the run
    store_incomplete: bool = True  # its incomplete executions stored in state.db
    count_outcome: bool = True  # Make's consecutive-error count
    deterministic: bool = False  # recorded effects fed back (no network, no writes)
    scheduled: bool = False  # a background run: maxErrors deactivates the scenario

    @property
    def tracked(self) -> bool:
        """Does anything go around the run at all (else it is a bare executor run)?"""
        return (self.history or self.guard or self.bind_connections or self.store_incomplete
                or self.count_outcome)

    # ----------------------------------------------------------- named kinds

    @classmethod
    def manual(cls, *, history: bool = True, webhook: bool = False, breaking: bool = False
               ) -> RunPolicy:
        """`scenarist run`: `webhook` when a request is given; `breaking` (--break-at) stores
        and counts nothing, the run being stopped on purpose."""
        return cls(RunKind.MANUAL, history=history, trigger="webhook" if webhook else "manual",
                   store_incomplete=not breaking, count_outcome=not breaking)

    @classmethod
    def debug(cls, *, recorded: bool = True, webhook: bool = False) -> RunPolicy:
        """Run once in the window: as `scenarist run` when recorded (the window has a
        workspace), and a bare run of the executor when not."""
        trigger = "webhook" if webhook else "manual"
        if not recorded:
            return cls(RunKind.DEBUG, history=False, trigger=trigger, record_effects=False,
                       guard=False, bind_connections=False, store_incomplete=False,
                       count_outcome=False)
        return cls(RunKind.DEBUG, trigger=trigger, record_pins=True)

    @classmethod
    def retry(cls, *, history: bool = True, trigger: str = "manual") -> RunPolicy:
        """An incomplete execution resumed: retry.py updates the stored one itself."""
        return cls(RunKind.RETRY, history=history, trigger=trigger, history_kind="retry",
                   store_incomplete=False, count_outcome=False)

    @classmethod
    def live_replay(cls, *, history: bool = True, trigger: str = "manual",
                    from_module: bool = False) -> RunPolicy:
        """A past run again, live; from a module, its effects are not complete enough to
        replay deterministically, so none are recorded."""
        return cls(RunKind.LIVE_REPLAY, history=history, trigger=trigger,
                   history_kind="replay", record_effects=not from_module, count_outcome=False)

    @classmethod
    def deterministic_replay(cls, *, history: bool = True, trigger: str = "manual"
                             ) -> RunPolicy:
        """Recorded effects fed back: it changes nothing, so nothing is guarded or stored."""
        return cls(RunKind.DETERMINISTIC_REPLAY, history=history, trigger=trigger,
                   history_kind="replay", record_effects=False, guard=False,
                   store_incomplete=False, count_outcome=False, deterministic=True)

    @classmethod
    def scheduled_run(cls, *, history: bool = True) -> RunPolicy:
        return cls(RunKind.SCHEDULED, history=history, trigger="schedule", scheduled=True)

    @classmethod
    def subscenario(cls, *, history: bool = True) -> RunPolicy:
        """A scenario another run called (`scenario-service:CallSubscenario`): recorded
        (trigger "subscenario", its parent's execution id in `resumed_from`) when the parent
        is, with its own connections, crash guard and incomplete executions; its outcome
        counts for no one, the caller's module failing instead."""
        return cls(RunKind.SUBSCENARIO, history=history, trigger="subscenario",
                   count_outcome=False)

    @classmethod
    def workflow(cls) -> RunPolicy:
        """A cluster run's walk inside its Temporal workflow (engine.temporal): nothing goes
        around it there; workers bind connections and store incomplete executions, and the
        submitter records the run and counts its outcome (engine.temporal.recording)."""
        return cls(RunKind.WORKFLOW, history=False, record_effects=False, guard=False,
                   bind_connections=False, store_incomplete=False, count_outcome=False)

    @classmethod
    def webhook(cls, *, history: bool = True) -> RunPolicy:
        """A queued webhook request run by the runtime: unattended like a scheduled run, so
        the scenario's maximum number of consecutive errors applies too."""
        return cls(RunKind.WEBHOOK, history=history, trigger="webhook", scheduled=True)
