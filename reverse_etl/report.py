"""What a sync did, or with a dry run what it would do: counts, outcomes and problems for a person."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from reverse_etl.ledger import LedgerEntry, SyncStatus
from reverse_etl.plan import PlannedChange


@dataclass(frozen=True)
class ChangeOutcome:
    """What this sync did with one planned change."""

    change_id: str
    account_id: str
    status: SyncStatus
    error: str | None = None


@dataclass
class SyncReport:
    """The outcome of one sync, or with `dry_run` its plan only.

    Every planned change ends this sync in one of four places: applied, conflicted or failed (all
    three in reverse_etl.sync_ledger), or left (nothing recorded: the next sync plans it again).
    """

    destination: str
    dry_run: bool
    planned: int
    changes: list[PlannedChange]
    counts: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in SyncStatus})
    # Failures and conflicts of this sync (applied changes are only counted: a sync may apply millions).
    outcomes: list[ChangeOutcome] = field(default_factory=list)
    # Changes not settled by this sync, with why (the CRM unavailable, answers lost twice...).
    left: list[ChangeOutcome] = field(default_factory=list)
    # Changes left out of the plan because they failed `max_attempts` times already.
    exhausted: int = 0
    # Why the blast-radius guard refuses (or, in a dry run, would refuse) this plan.
    guard_violations: list[str] = field(default_factory=list)
    # Ids the destination cannot accept (a dry run lists them; a sync refuses to start).
    invalid_ids: list[str] = field(default_factory=list)
    lost_answers: int = 0  # records whose write answer was lost and that were read back
    settle_rounds: int = 0  # rounds that read back lost answers and retried what was left
    usage: str | None = None  # the CRM's API allowance used, as its last answer said
    seconds: float = 0.0

    def record(self, entries: Sequence[LedgerEntry]) -> None:
        for entry in entries:
            self.counts[entry.status.value] += 1
            if entry.status in (SyncStatus.FAILED, SyncStatus.CONFLICT):
                self.outcomes.append(ChangeOutcome(entry.change_id, entry.account_id, entry.status, entry.error))

    def leave(self, change: PlannedChange, why: str) -> None:
        self.left.append(ChangeOutcome(change.change_id, change.account_id, SyncStatus.FAILED, why))

    @property
    def unsettled(self) -> int:
        """Changes that still need someone or another sync: failed, conflicted, left, or out of attempts."""
        return self.counts[SyncStatus.FAILED] + self.counts[SyncStatus.CONFLICT] + len(self.left) + self.exhausted

    @property
    def exit_code(self) -> int:
        """0 when everything planned is settled, 1 when failed, conflicting or left changes remain."""
        return 0 if self.dry_run or not self.unsettled else 1

    def format_summary(self, *, examples: int = 5) -> str:
        """A few lines for a person: the four outcomes, the first problems, and where to see them all."""
        if self.dry_run:
            return "\n".join(
                [f"{self.destination}: {self.planned} pending ownership changes (dry run, nothing written)"]
                + [f"  guard: {problem} (would refuse)" for problem in self.guard_violations]
                + [f"  invalid id: {problem} (would refuse)" for problem in self.invalid_ids[:examples]]
            )
        if self.planned == 0 and not self.exhausted:
            return f"{self.destination}: nothing to sync"
        counts = self.counts
        lines = [
            f"{self.destination}: {self.planned:,} ownership changes planned, synced in {self.seconds:.1f}s",
            f"  applied    {counts[SyncStatus.APPLIED]:>9,}"
            + (f"   ({self.lost_answers:,} answers lost and read back)" if self.lost_answers else ""),
            f"  conflicted {counts[SyncStatus.CONFLICT]:>9,}   changed in the CRM by someone else: not overwritten",
            f"  failed     {counts[SyncStatus.FAILED]:>9,}   rejected by the CRM: retried by later syncs",
            f"  left       {len(self.left):>9,}   not settled now: the next sync plans them again",
        ]
        shown = [(outcome.status.value, outcome) for outcome in self.outcomes[:examples]]
        shown += [("left", outcome) for outcome in self.left[: examples - len(shown)]]
        for status, outcome in shown:
            lines.append(f"    {status:<10} {outcome.account_id}  {outcome.error}")
        if len(self.outcomes) + len(self.left) > len(shown):
            lines.append(f"    ... {len(self.outcomes) + len(self.left) - len(shown):,} more")
        if self.exhausted:
            lines.append(f"  {self.exhausted:,} changes failed too often and are no longer retried")
        if self.usage:
            lines.append(f"  {self.usage}")
        if self.unsettled:
            lines.append(
                "  see them all: select * from reverse_etl.sync_ledger where status <> 'applied'; "
                "`bookflow sync --dry-run` shows what the next sync plans"
            )
        return "\n".join(lines)
