"""What a sync did, or with a dry run what it would do: counts, outcomes and problems for a person."""

from dataclasses import dataclass, field

from reverse_etl.ledger import SyncStatus
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
    """The outcome of one sync, or with `dry_run` its plan only."""

    destination: str
    dry_run: bool
    planned: int
    changes: list[PlannedChange]
    counts: dict[str, int] = field(default_factory=lambda: {status.value: 0 for status in SyncStatus})
    outcomes: list[ChangeOutcome] = field(default_factory=list)
    # Changes left out of the plan because they failed `max_attempts` times already.
    exhausted: int = 0
    # Why the blast-radius guard refuses (or, in a dry run, would refuse) this plan.
    guard_violations: list[str] = field(default_factory=list)

    def format_summary(self, *, examples: int = 5) -> str:
        """A few lines for a person: the totals, then the first failures and conflicts."""
        if self.dry_run:
            lines = [f"{self.destination}: {self.planned} pending ownership changes (dry run, nothing written)"]
        elif self.planned == 0:
            lines = [f"{self.destination}: nothing to sync"]
        else:
            totals = ", ".join(f"{status} {count}" for status, count in self.counts.items() if count)
            lines = [f"{self.destination}: {self.planned} ownership changes planned; {totals}"]
        problems = [outcome for outcome in self.outcomes if outcome.status in (SyncStatus.FAILED, SyncStatus.CONFLICT)]
        for outcome in problems[:examples]:
            lines.append(f"  {outcome.status.value:<8} {outcome.account_id}  {outcome.error}")
        if len(problems) > examples:
            lines.append(f"  ... {len(problems) - examples} more in reverse_etl.sync_ledger")
        for problem in self.guard_violations:
            lines.append(f"  guard: {problem}{' (would refuse)' if self.dry_run else ''}")
        if self.exhausted:
            lines.append(
                f"  {self.exhausted} changes failed too often and are no longer retried (reverse_etl.sync_ledger)"
            )
        return "\n".join(lines)
