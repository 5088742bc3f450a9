"""Input guards: a run whose input looks broken stops before anything is written.

A loader that stopped halfway, an emptied table or a mass of rows without an owner are not bad
rows to quarantine but a bad day: planning on them would retrieve most books. So before the
models run, each raw table is compared with the last good run (rows; distinct owners and rows
with an owner; activities and signals dated in the 7 days up to the last good run's day), its
freshness is checked where someone else loads it, and after the models ran, but before their
slot becomes current (bookflow/slots.py), the share of accounts held in quarantine is checked.

A guard that trips raises GuardStop naming the table and the numbers; `--accept-volume-change`
accepts the day's input as it is. The last good run's volumes are kept in `runs.volumes`
(every good run's, for the record); a run measures its own into `runs.volumes_landed`, and they
become the last good run's in the transaction that makes its marts current.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from bookflow.contract import ACCOUNT_TABLES, raw_tables

DEFAULT_MAX_VOLUME_DROP = 0.20
DEFAULT_MAX_QUARANTINE_SHARE = 0.05
# A figure this small moves by a fifth on an ordinary day: it is not compared.
MIN_COMPARED = 20
RECENT_DAYS = 7
# A figure of dated rows counted over the last good run's days rather than this run's.
THEN = "_then"
STATE_SCHEMA = "runs"


class GuardStop(RuntimeError):
    """The input looks broken: the run stops before any mart becomes current."""


@dataclass(frozen=True)
class GuardLimits:
    max_volume_drop: float = DEFAULT_MAX_VOLUME_DROP
    max_quarantine_share: float = DEFAULT_MAX_QUARANTINE_SHARE
    accept: bool = False


def limits_for(
    rules_dir: Path,
    *,
    max_volume_drop: float | None = None,
    max_quarantine_share: float | None = None,
    accept: bool = False,
) -> GuardLimits:
    """The limits of settings.csv (optional `max_volume_drop`, `max_quarantine_share`), where the
    command line does not give its own; the checked rules (bookflow.validation) hold numbers."""
    settings = {}
    settings_csv = Path(rules_dir) / "settings.csv"
    if settings_csv.exists():
        with settings_csv.open(newline="", encoding="utf-8") as handle:
            settings = {row["setting"].strip(): (row.get("value") or "").strip() for row in csv.DictReader(handle)}

    def pick(given: float | None, key: str, default: float) -> float:
        if given is not None:
            return given
        return float(settings[key]) if settings.get(key) else default

    return GuardLimits(
        max_volume_drop=pick(max_volume_drop, "max_volume_drop", DEFAULT_MAX_VOLUME_DROP),
        max_quarantine_share=pick(max_quarantine_share, "max_quarantine_share", DEFAULT_MAX_QUARANTINE_SHARE),
        accept=accept,
    )


# What each raw table's volume is read from: its owner column and the column dating its rows.
_OWNER_COLUMNS = {
    ("salesforce", "account"): "owner_id",
    ("salesforce", "opportunity"): "owner_id",
    ("hubspot", "company"): "property_hubspot_owner_id",
    ("hubspot", "deal"): "owner_id",
}
_DATED_BY = {
    ("salesforce", "task"): "activity_date",
    ("salesforce", "event"): "activity_date",
    ("hubspot", "engagement"): "timestamp",
    ("signals", "account_signal"): "occurred_at",
}


def _volume_query(schema: str, table: str, columns: tuple[str, ...], catalog: str | None) -> str:
    relation = f'{catalog + "." if catalog else ""}{schema}."{table}"'
    # try_cast: a loader may land any column as text (the staging models read such values).
    live = "not coalesce(try_cast(is_deleted as boolean), false)" if "is_deleted" in columns else "true"
    figures = ["count(*) as rows"]
    owner = _OWNER_COLUMNS.get((schema, table))
    if owner:
        figures += [f'count(distinct "{owner}") as distinct_owners', f'count("{owner}") as rows_with_owner']
    dated_by = _DATED_BY.get((schema, table))
    if not dated_by:
        return f"select {', '.join(figures)} from {relation} where {live}"
    # Rows dated in the 7 days up to the run's day (kept for the next run), and in the 7 days up
    # to the last good run's day: the same days it counted, so new days, replays of past days or
    # a demo CRM that stays as it was made compare like with like, and only rows lost change it.
    stamp = f'try_cast("{dated_by}" as timestamp)'
    for suffix, end in (("", "$after_day"), (THEN, "$after_last_good_day")):
        figures.append(
            f"count(*) filter (where {stamp} >= {end} - interval {RECENT_DAYS} day and {stamp} < {end}) "
            f"as rows_in_{RECENT_DAYS}_days{suffix}"
        )
    return f"select {', '.join(figures)} from {relation} where {live}"


def measure_volumes(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    last_good_day: date | None = None,
    catalog: str | None = None,
    crm: str = "salesforce",
) -> dict[str, int]:
    """'<schema>.<table> <figure>' -> value for every raw table the models read from `crm`. Figures
    of dated rows are counted for the 7 days up to `as_of`, and (named with THEN) up to `last_good_day`."""
    days = {
        "after_day": as_of + timedelta(days=1),
        "after_last_good_day": (last_good_day or as_of) + timedelta(days=1),
    }
    volumes = {}
    for schema, tables in raw_tables(crm).items():
        for table, columns in tables.items():
            sql = _volume_query(schema, table, columns, catalog)
            cursor = con.execute(sql, {name: day for name, day in days.items() if f"${name}" in sql})
            names = [column[0] for column in cursor.description]
            for name, value in zip(names, cursor.fetchone(), strict=True):
                volumes[f"{schema}.{table} {name}"] = int(value or 0)
    return volumes


def _ensure_state(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {STATE_SCHEMA}")
    for table in ("volumes", "volumes_landed"):
        con.execute(
            f"create table if not exists {STATE_SCHEMA}.{table} "
            "(as_of date not null, figure varchar not null, value bigint not null, measured_at timestamp not null)"
        )


def _has_state(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = 'volumes'", [STATE_SCHEMA]
        ).fetchone()[0]
    )


def last_good_volumes(con: duckdb.DuckDBPyConnection) -> tuple[date | None, dict[str, int]]:
    """The volumes of the last run whose marts became current (as_of, figures), if any."""
    if not _has_state(con):
        return None, {}
    rows = con.execute(
        f"""
        select as_of, figure, value from {STATE_SCHEMA}.volumes
        where measured_at = (select max(measured_at) from {STATE_SCHEMA}.volumes)
        """
    ).fetchall()
    return (rows[0][0] if rows else None), {figure: value for _, figure, value in rows}


def volume_drops(
    previous: dict[str, int], current: dict[str, int], max_drop: float, previous_day: date | None = None
) -> dict[str, list[str]]:
    """table -> each of its figures that fell by more than `max_drop` from the last good run, in words."""
    drops: dict[str, list[str]] = {}
    for figure, before in sorted(previous.items()):
        now = current.get(figure)
        if now is None or before < MIN_COMPARED:
            continue
        fall = (before - now) / before
        if fall > max_drop:
            table, name = figure.split(" ", 1)
            words = name.replace("_", " ")
            if name == f"rows_in_{RECENT_DAYS}_days" and previous_day:
                words = f"rows dated in the {RECENT_DAYS} days to {previous_day}"
            drops.setdefault(table, []).append(
                f"{table}: {words} fell from {before:,} to {now:,} ({fall:.0%} less; the limit is {max_drop:.0%})"
            )
    return drops


def check_volumes(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    limits: GuardLimits,
    catalog: str | None = None,
    crm: str = "salesforce",
) -> dict[str, list[str]]:
    """Measure the raw tables (in `catalog`, or the default one) and land the figures in
    runs.volumes_landed; raise GuardStop when one fell beyond the limit since the last good run.
    Returns the drops accepted (--accept-volume-change), by table."""
    _ensure_state(con)
    previous_day, previous = last_good_volumes(con)
    measured = measure_volumes(con, as_of, previous_day, catalog, crm)
    current = {figure: value for figure, value in measured.items() if not figure.endswith(THEN)}
    # The last good run's dated figures meet the same days counted now.
    comparable = {
        **current,
        **{figure.removesuffix(THEN): value for figure, value in measured.items() if figure.endswith(THEN)},
    }
    drops = volume_drops(previous, comparable, limits.max_volume_drop, previous_day)
    if drops and not limits.accept:
        raise GuardStop(
            f"the raw tables shrank since the last good run ({previous_day}); nothing was written:\n  - "
            + "\n  - ".join(drop for table_drops in drops.values() for drop in table_drops)
            + "\nIf the CRM really changed this much, run again with --accept-volume-change "
            "(or raise max_volume_drop in settings.csv, or --max-volume-drop)."
        )
    con.execute(f"delete from {STATE_SCHEMA}.volumes_landed")
    con.executemany(
        f"insert into {STATE_SCHEMA}.volumes_landed values (?, ?, ?, timezone('UTC', current_timestamp))",
        [(as_of, figure, value) for figure, value in current.items()],
    )
    return drops


def shrunken_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Raw tables with fewer live rows in this run's landed volumes than in the last good run's
    (the guard let it through: under its limit, or accepted). Incremental models that counted the
    rows now gone must be rebuilt, or they keep counting what the CRM no longer has."""
    if not _has_state(con):
        return []
    landed = dict(con.execute(f"select figure, value from {STATE_SCHEMA}.volumes_landed").fetchall())
    previous = last_good_volumes(con)[1]
    return sorted(
        figure.split(" ", 1)[0]
        for figure, value in landed.items()
        if figure.endswith(" rows") and value < previous.get(figure, 0)
    )


def keep_landed_volumes(con: duckdb.DuckDBPyConnection) -> None:
    """This run's volumes become the last good run's (inside the transaction that makes its marts current)."""
    _ensure_state(con)
    con.execute(f"insert into {STATE_SCHEMA}.volumes select * from {STATE_SCHEMA}.volumes_landed")
    con.execute(f"delete from {STATE_SCHEMA}.volumes_landed")


def check_quarantine_share(con: duckdb.DuckDBPyConnection, marts_schema: str, limits: GuardLimits) -> str | None:
    """Raise GuardStop when more than the limit of account rows were held back (unless accepted);
    return the share in words."""
    held, scored = con.execute(
        f"""
        select
            (select coalesce(sum(rows_held), 0) from "{marts_schema}".quarantine
             where source_table in (select unnest(?))),
            (select count(*) from "{marts_schema}".account_scores)
        """,
        [list(ACCOUNT_TABLES)],
    ).fetchone()
    total = held + scored
    share = held / total if total else 0.0
    words = f"{held:,} of {total:,} account rows ({share:.1%}) are held in quarantine"
    if share > limits.max_quarantine_share and not limits.accept:
        reasons = con.execute(
            f"""
            select reason, sum(rows_held) from "{marts_schema}".quarantine
            where source_table in (select unnest(?))
            group by reason order by 2 desc limit 5
            """,
            [list(ACCOUNT_TABLES)],
        ).fetchall()
        raise GuardStop(
            f"{words}, over the limit of {limits.max_quarantine_share:.0%}; the marts stay at the last good run:\n  - "
            + "\n  - ".join(f"{reason}: {rows:,} rows" for reason, rows in reasons)
            + "\nFix the accounts in the CRM, or accept them with --accept-volume-change "
            "(or raise max_quarantine_share in settings.csv, or --max-quarantine-share)."
        )
    return words


@dataclass(frozen=True)
class Freshness:
    """A raw table's freshness rule, as its dbt source declares it."""

    schema: str
    table: str
    loaded_at_field: str
    warn_after: timedelta | None
    error_after: timedelta | None


def check_freshness(
    con: duckdb.DuckDBPyConnection, rules: list[Freshness], limits: GuardLimits, now: datetime | None = None
) -> list[str]:
    """Raise GuardStop for a raw table last landed longer ago than its `error_after` (unless
    accepted); return warnings for those past `warn_after`, and for tables without the field."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    warnings, errors = [], []
    columns = {
        (schema, table, column)
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database()"
        ).fetchall()
    }
    for rule in rules:
        name = f"{rule.schema}.{rule.table}"
        if (rule.schema, rule.table, rule.loaded_at_field) not in columns:
            warnings.append(f"{name} has no {rule.loaded_at_field} column: its freshness is not checked")
            continue
        landed = con.execute(
            f'select max(cast("{rule.loaded_at_field}" as timestamp)) from {rule.schema}."{rule.table}"'
        ).fetchone()[0]
        age = now - landed if landed else None
        said = f"{name} last landed {_ago(age)}" if age is not None else f"{name} has no landed rows"
        if rule.error_after and (age is None or age > rule.error_after):
            errors.append(f"{said} (an error after {_ago(rule.error_after, ago=False)})")
        elif rule.warn_after and (age is None or age > rule.warn_after):
            warnings.append(f"{said} (a warning after {_ago(rule.warn_after, ago=False)})")
    if errors and not limits.accept:
        raise GuardStop(
            "raw tables are stale: their loader seems to have stopped; nothing was written:\n  - "
            + "\n  - ".join(errors)
            + "\nRun the loader, or accept the tables as they are with --accept-volume-change."
        )
    return warnings + [f"accepted: {error}" for error in errors]


def _ago(age: timedelta, *, ago: bool = True) -> str:
    hours = age.total_seconds() / 3600
    words = f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
    return words + (" ago" if ago else "")
