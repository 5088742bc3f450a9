"""A rules directory as the models read it: optional files and columns a directory leaves out
are written empty, so rules written before them keep working unchanged (an empty roles.csv means
every role writes the CRM owner field; an empty end_date, no leaver)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from bookflow.rules.contract import OPTIONAL_RULES_COLUMNS, OPTIONAL_RULES_FILES, RULES_FILES


def copy_completed(csv_files: list[Path], destination: Path) -> None:
    """Copy `csv_files` into `destination`, adding the optional files and columns they lack."""
    for source in csv_files:
        missing = [column for column in OPTIONAL_RULES_COLUMNS.get(source.name, ()) if column not in _header(source)]
        if missing:
            _copy_with_columns(source, destination / source.name, missing)
        else:
            shutil.copy2(source, destination / source.name)
    present = {source.name for source in csv_files}
    for name in OPTIONAL_RULES_FILES:
        if name not in present:
            with (destination / name).open("w", newline="", encoding="utf-8") as out:
                csv.writer(out, lineterminator="\n").writerow(RULES_FILES[name])


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [name.strip() for name in next(csv.reader(handle), [])]


def _copy_with_columns(source: Path, target: Path, columns: list[str]) -> None:
    with source.open(newline="", encoding="utf-8") as handle, target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        for number, row in enumerate(csv.reader(handle)):
            writer.writerow([*row, *(columns if number == 0 else [""] * len(columns))])
