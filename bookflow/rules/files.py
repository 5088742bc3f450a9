"""Reading a rules directory with positions: every value knows its file, line and column, so a
problem found anywhere can be reported where RevOps will fix it."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bookflow.rules.contract import (
    BOOL,
    DATE,
    FLOAT,
    INT,
    OPTIONAL_RULES_COLUMNS,
    OPTIONAL_RULES_FILES,
    RULES_FILES,
    RULES_VALUES,
)


@dataclass(frozen=True)
class Problem:
    """One finding, printed as `file:line:column: message` (parts unknown are left out)."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = ":".join([self.file, *(str(part) for part in (self.line, self.column) if part is not None)])
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    """One rules file: its header and its rows, values stripped."""

    name: str
    header: list[str]
    rows: list[Row] = field(default_factory=list)

    def column(self, name: str) -> int | None:
        """1-based position of a column in the file's header (None when the file lacks it)."""
        return self.header.index(name) + 1 if name in self.header else None

    def problem(self, row: Row | None, column: str | None, message: str, severity: str = "error") -> Problem:
        return Problem(self.name, message, row.line if row else None, self.column(column) if column else None, severity)


def value_problem(kind: str, value: str) -> str | None:
    """Why `value` is not of `kind` (a contract kind, "?" = may be empty), or None."""
    optional = kind.endswith("?")
    kind = kind.rstrip("?")
    if value == "":
        return None if optional else "is empty"
    try:
        if kind == INT:
            int(value)
        elif kind == FLOAT:
            float(value)
        elif kind == BOOL and value.lower() not in ("true", "false"):
            raise ValueError
        elif kind == DATE:
            date.fromisoformat(value)
    except ValueError:
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{value!r} is not {article} {kind}"
    return None


def read_rules(rules_dir: Path, problems: list[Problem]) -> dict[str, Table]:
    """Every rules file present, checked column by column; what is wrong goes to `problems`."""
    tables: dict[str, Table] = {}
    for name, columns in RULES_FILES.items():
        path = rules_dir / name
        if not path.exists():
            if name not in OPTIONAL_RULES_FILES:
                problems.append(Problem(name, f"file missing from {rules_dir}"))
            continue
        table = _read_file(path, columns, problems)
        if table is not None:
            tables[name] = table
    return tables


def _read_file(path: Path, columns: dict[str, str], problems: list[Problem]) -> Table | None:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        table = Table(path.name, [name.strip() for name in reader.fieldnames or []])
        optional = OPTIONAL_RULES_COLUMNS.get(path.name, ())
        missing = [column for column in columns if column not in table.header and column not in optional]
        for column in missing:
            problems.append(Problem(path.name, f"missing column '{column}'", line=1))
        if missing:
            return None
        for line, raw in enumerate(reader, start=2):
            row = Row(line, {(key or "").strip(): (value or "").strip() for key, value in raw.items() if key})
            for column, kind in columns.items():
                if column not in table.header:
                    continue
                problem = value_problem(kind, row[column])
                if problem:
                    problems.append(table.problem(row, column, f"{column} {problem}"))
                allowed = RULES_VALUES.get((path.name, column))
                if allowed and row[column] not in allowed:
                    expected = ", ".join(value for value in allowed if value)
                    problems.append(
                        table.problem(
                            row, column, f"{column} has unknown value {row[column]!r} (expected one of {expected})"
                        )
                    )
            table.rows.append(row)
    return table
