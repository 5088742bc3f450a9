"""A Data Loader-style CSV of owner updates (Id,OwnerId), for teams that load files by hand. Another
owner field (the SDR owner) goes to a file of its own beside it, `<name>.<field>.csv` (Id,<field>).

The file grows across batches and runs until someone loads it: each write copies it to a temp
file, appends, and swaps it in with `os.replace`, so a crash never leaves a half-written file
and rows already exported (and recorded as applied in the ledger) are never lost.

There is no live CRM to ask, so owners are read from the warehouse's raw `salesforce.account`
(the last extract) and the same checks the CRM would make are made against that copy.
"""

import csv
import os
import shutil
import tempfile
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

import duckdb

from reverse_etl.destinations._salesforce import check_update, connect, match_accounts, user_activity, writable_owners
from reverse_etl.destinations.base import OwnerUpdate, RecordResult
from reverse_etl.exceptions import DestinationError

HEADER = ("Id", "OwnerId")


class CsvExportDestination:
    """Appends accepted owner updates to a CSV file; checks them against the warehouse's CRM copy."""

    name = "csv_export"
    # One writer at a time: the file takes one, and its batches must land in order.
    max_concurrency = 1

    def __init__(self, path: Path, *, warehouse_path: Path) -> None:
        self.path = Path(path)
        self.warehouse_path = Path(warehouse_path)

    def __repr__(self) -> str:
        return f"CsvExportDestination({str(self.path)!r}, warehouse_path={str(self.warehouse_path)!r})"

    def _connect(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        return connect(self.warehouse_path, "warehouse", "run `bookflow run` first")

    def writes_field(self, field: str) -> bool:
        """Any owner column of the raw `salesforce.account` (a missing one fails the write as a whole)."""
        return True

    def path_for(self, field: str | None) -> Path:
        """The file `field`'s updates go to: the export itself for the CRM owner."""
        return self.path if field is None else self.path.with_name(f"{self.path.stem}.{field}{self.path.suffix}")

    def read_owners(self, account_ids: Sequence[str], field: str | None = None) -> dict[str, str | None]:
        """Value of `field` (None: the owner) per id in the warehouse's raw `salesforce.account`
        (exactly one live account only)."""
        with self._connect() as con:
            try:
                return writable_owners(match_accounts(con, account_ids, field))
            except duckdb.Error as error:
                raise DestinationError(f"cannot read raw accounts in {self.warehouse_path}: {error}") from error

    def write_owners(self, updates: Sequence[OwnerUpdate]) -> list[RecordResult]:
        """Append the updates that pass the CRM's checks to the CSV; one result per update, in order."""
        results: dict[int, RecordResult] = {}
        seen: set[tuple[str, str | None]] = set()
        for field in dict.fromkeys(update.field for update in updates):
            numbered = [(number, update) for number, update in enumerate(updates) if update.field == field]
            with self._connect() as con:
                try:
                    matches = match_accounts(con, [update.account_id for _, update in numbered], field)
                    users = user_activity(con, [update.owner_id for _, update in numbered if update.owner_id])
                except duckdb.Error as error:
                    raise DestinationError(f"cannot check updates against {self.warehouse_path}: {error}") from error
            rows = []
            for number, update in numbered:
                results[number] = check_update(update, matches, users, seen)
                if results[number].ok:
                    rows.append((update.account_id, update.owner_id))
            if rows:
                path = self.path_for(field)
                header = HEADER if field is None else ("Id", field)
                try:
                    _append_atomically(path, rows, header)
                except OSError as error:
                    raise DestinationError(f"cannot write {path}: {error}") from error
        return [results[number] for number in range(len(updates))]


def _append_atomically(path: Path, rows: Sequence[tuple[str, str | None]], header: tuple[str, str] = HEADER) -> None:
    """Append `rows` to the CSV at `path` (creating it with a header) in one atomic swap."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as out:
            if path.exists():
                with path.open(newline="", encoding="utf-8") as existing:
                    first_line = existing.readline()
                    if first_line.rstrip("\r\n") != ",".join(header):
                        raise DestinationError(f"{path} exists but is not an owner export (header {first_line!r})")
                    out.write(first_line if first_line.endswith("\n") else first_line + "\n")
                    shutil.copyfileobj(existing, out)
            else:
                csv.writer(out, lineterminator="\n").writerow(header)
            csv.writer(out, lineterminator="\n").writerows(rows)
            out.flush()
            # On disk before the swap, or a power cut could leave the new name on empty data.
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
