"""Running a plan against a destination: batches side by side, lost answers read back, nothing aborted.

- Phases run one after the other (reverse_etl.plan.phases); within a phase, `concurrency` batches
  are in flight at once on worker threads that share the destination's session (one HTTP client,
  one rate budget). The main thread alone records outcomes and writes the ledger.
- A phase at least as large as the destination's `bulk_threshold` is read in the largest batches
  the destination reads at once (`max_read_batch`), then written through its bulk API in jobs of
  BULK_JOB changes, each record's result mapped back to its change.
- A write whose answer was lost does not stop the sync. Before it ends, the runner reads those
  accounts back and settles them, in up to SETTLE_ROUNDS rounds: the CRM holds the new owner ->
  applied; it still holds the old owner -> written again now (the read just showed the write did
  not land and the old owner is still there, so the write cannot overwrite a hand edit); anyone
  else -> conflict.
- A batch the CRM could not take (its requests' retries ran out) does not stop the sync either:
  it is tried again in the first LEFT_ROUNDS of those rounds, since a run of rate limits and 503s
  passes; after that it is `left`, with the reason. Nothing is recorded for it and the next sync
  plans it again. A real outage so ends the sync after three rounds of retries, not more.
- A later change of an account whose earlier change is still open waits for it, so it is never
  sorted against an owner that is about to change; it is settled with it, or left with it.
- When the CRM's allowance is spent (LimitReached), no new batch starts; the rest is left.
"""

import gc
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import partial

from reverse_etl.apply import BatchOutcome, apply_batch, read_and_sort, write
from reverse_etl.destinations.base import Destination, owner_key
from reverse_etl.ledger import LedgerWriter
from reverse_etl.plan import PlannedChange, chunks, phases
from reverse_etl.report import SyncReport

BULK_JOB = 100_000  # changes per bulk write: one Bulk API 2.0 job
SETTLE_ROUNDS = 5  # rounds that read lost answers back
LEFT_ROUNDS = 2  # of them, the rounds that also retry batches the CRM could not take

Task = tuple[list[PlannedChange], Callable[[], BatchOutcome]]


class Runner:
    def __init__(
        self,
        destination: Destination,
        ledger: LedgerWriter,
        report: SyncReport,
        *,
        batch_size: int,
        concurrency: int,
        bulk_threshold: int | None,
    ) -> None:
        self.destination = destination
        self.ledger = ledger
        self.report = report
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.bulk_threshold = bulk_threshold
        self.same = owner_key(destination)
        # change_id -> (change, why): to read back before the sync ends, or left for the next one.
        self.unknown: dict[str, tuple[PlannedChange, str]] = {}
        self.left: dict[str, tuple[PlannedChange, str]] = {}
        self.lost: set[str] = set()  # change_ids written with the answer lost (count as an attempt)
        self.stopped: str | None = None  # why no new batch starts

    def run(self, changes: Sequence[PlannedChange]) -> None:
        with (
            collector_spares_the_plan(),
            ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="bookflow-sync") as pool,
        ):
            self._pool = pool
            self._run_phases(changes)
            for round_ in range(SETTLE_ROUNDS):
                retry = list(self.unknown.values()) + (list(self.left.values()) if round_ < LEFT_ROUNDS else [])
                if not retry or self.stopped:
                    break
                self.report.settle_rounds += 1
                self.unknown = {}
                if round_ < LEFT_ROUNDS:
                    self.left = {}
                self._run_phases(sorted((change for change, _ in retry), key=_plan_order(changes)))
        for change, why in [*self.unknown.values(), *self.left.values()]:
            self.report.leave(change, why)

    def _run_phases(self, changes: Sequence[PlannedChange]) -> None:
        for phase in phases(changes):
            waiting = {change.account_id: change for change, _ in self.unknown.values()}
            waiting |= {change.account_id: change for change, _ in self.left.values()}
            ready = []
            for change in phase:
                earlier = waiting.get(change.account_id)
                if earlier is None:
                    ready.append(change)
                    continue
                # Settled with its account's earlier change, or left with it.
                open_ = self.unknown if earlier.change_id in self.unknown else self.left
                open_[change.change_id] = (change, "waits for an earlier change of its account")
            if self.bulk_threshold is not None and len(ready) >= self.bulk_threshold:
                self._bulk(ready)
            else:
                self._run(deque(self._rest_task(batch) for batch in chunks(ready, self.batch_size)))

    def _rest_task(self, batch: list[PlannedChange]) -> Task:
        return batch, partial(apply_batch, batch, self.destination, self.same, self.lost)

    def _bulk(self, changes: list[PlannedChange]) -> None:
        due: list[PlannedChange] = []
        tasks: deque[Task] = deque()

        def submit_due(final: bool) -> None:
            while len(due) >= BULK_JOB or (final and due):
                job = due[:BULK_JOB]
                del due[:BULK_JOB]
                tasks.append((job, partial(write, job, self.destination.write_owners_bulk, self.lost)))

        def sorted_batch(outcome: BatchOutcome) -> None:
            due.extend(outcome.to_write)
            submit_due(final=False)

        read_batch = getattr(self.destination, "max_read_batch", self.batch_size)
        for batch in chunks(changes, read_batch):
            tasks.append((batch, partial(read_and_sort, batch, self.destination, self.same, self.lost)))
        self._run(tasks, then=sorted_batch)
        submit_due(final=True)
        self._run(tasks)

    def _run(self, tasks: deque[Task], then: Callable[[BatchOutcome], None] | None = None) -> None:
        """Run `tasks` with `concurrency` in flight; `then` may queue more tasks from an outcome."""
        running: dict[Future, list[PlannedChange]] = {}
        try:
            while tasks or running:
                while tasks and len(running) < self.concurrency and not self.stopped:
                    batch, work = tasks.popleft()
                    running[self._pool.submit(work)] = batch
                if self.stopped:
                    for batch, _ in tasks:
                        self._leave(batch, self.stopped)
                    tasks.clear()
                if not running:
                    break
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    del running[future]
                    outcome = future.result()
                    self._take(outcome)
                    if then is not None:
                        then(outcome)
        except BaseException:
            # Record what the batches still running achieve, so a crash loses no bookkeeping.
            for future in running:
                future.cancel()
            for future in running:
                if not future.cancelled() and future.exception() is None:
                    self._take(future.result())
            raise

    def _take(self, outcome: BatchOutcome) -> None:
        self.ledger.add(outcome.entries)
        self.report.record(outcome.entries)
        why = outcome.problem or "not settled"
        for change in outcome.unknown:
            self.lost.add(change.change_id)
            self.unknown[change.change_id] = (change, f"answers lost every time it was written: {why}")
        self.report.lost_answers += len(outcome.unknown)
        self._leave(outcome.left, why)
        if outcome.limit_reached and not self.stopped:
            self.stopped = why

    def _leave(self, changes: Sequence[PlannedChange], why: str) -> None:
        for change in changes:
            self.left[change.change_id] = (change, why)


_frozen = 0  # syncs running in this process with the collector's older objects frozen
_frozen_lock = threading.Lock()
_thresholds = gc.get_threshold()  # the collector's thresholds before the first of them began
# Allocations between two young collections while a sync runs (Python's default: 700). Each JSON
# answer allocates hundreds of dicts that die with it, so the default collected after nearly
# every answer, a tenth of the sync's CPU; the young objects that survive are few.
YOUNG_THRESHOLD = 20_000


@contextmanager
def collector_spares_the_plan() -> Iterator[None]:
    """While a sync runs, the garbage collector leaves alone the objects that existed when it began.

    A sync holds its plan (100,000 changes and more) for its whole length while it allocates
    fast (JSON answers, ledger rows), and every full collection would walk the whole plan again:
    a tenth of the sync's CPU. gc.freeze() sets what exists now aside until the last sync of the
    process ends (gc.unfreeze); nothing is lost, cycles among those objects are collected then.
    Young collections wait for YOUNG_THRESHOLD allocations meanwhile; the thresholds are restored.
    """
    global _frozen, _thresholds
    with _frozen_lock:
        gc.freeze()
        if not _frozen:
            _thresholds = gc.get_threshold()
            gc.set_threshold(max(_thresholds[0], YOUNG_THRESHOLD), *_thresholds[1:])
        _frozen += 1
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen -= 1
            if not _frozen:
                gc.set_threshold(*_thresholds)
                gc.unfreeze()


def _plan_order(changes: Sequence[PlannedChange]) -> Callable[[PlannedChange], int]:
    position = {change.change_id: index for index, change in enumerate(changes)}
    return lambda change: position[change.change_id]
