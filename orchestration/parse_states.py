"""dbt's parse states, kept per warehouse name and slot, and the target folders of dbt's calls.

dbt parses the whole project again (seconds) when nothing tells it what changed since the last
parse: each call of a run gets a target folder of its own (dagster-dbt's), seeded with the state
the last call on the same warehouse kept, and hands its state back when done.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path

from bookflow import paths

PARTIAL_PARSE_FILE = "partial_parse.msgpack"


PARSE_STATE_DIR = Path("target") / "parse_state"
# The newest states are kept, and every state a dbt call used in the last two days: a sweep over
# many warehouses must not evict the state the daily run uses tomorrow.
PARSE_STATES_KEPT = 20
PARSE_STATES_KEPT_FOR_S = 2 * 86400


def parse_state_path(warehouse: str | Path, slot: str | None = None) -> Path:
    """Where the parse state of dbt calls on warehouses of this file name and slot is kept.

    dbt parses the whole project again when the profile or an env var that dbt_project.yml reads
    changes. Its DuckDB path is the warehouse's file name (`bookflow-dbt` runs dbt in the
    warehouse's folder: orchestration/dbt_command.py), so one state per name means a run on
    another warehouse in between (`bookflow simulate`, the benchmark, a test) no longer costs the
    daily warehouse a full parse, and a new warehouse of a known name starts from a partial one.
    The slot names every schema (an env var a macro reads, which dbt tracks), so each slot keeps
    its own state too. The rules do not: every set of rules is a project with the same seed path
    (orchestration/rules_projects.py), and edited rules re-parse only the seeds that changed.
    """
    digest = hashlib.sha256(Path(warehouse).name.encode()).hexdigest()[:16]
    return paths.DBT_PROJECT_DIR / PARSE_STATE_DIR / f"{digest}{'.' + slot if slot else ''}.msgpack"


def invocation_target(op_name: str, run_id: str, warehouse: str | Path, slot: str | None = None) -> Path:
    """A dbt call's own target folder (named as dagster-dbt names them), seeded with the parse
    state of the warehouse and slot it builds: dagster-dbt seeds a folder only when it has
    no state yet."""
    target = paths.DBT_PROJECT_DIR / "target" / f"{op_name}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    seed_parse_state(target, warehouse, slot)
    return target


def seed_parse_state(target: Path, warehouse: str | Path, slot: str | None = None) -> None:
    """Put the kept parse state of this warehouse name and slot (if any) in a dbt call's
    target folder, made if missing, where dbt looks for it."""
    target.mkdir(parents=True, exist_ok=True)
    state = parse_state_path(warehouse, slot)
    if state.exists():
        shutil.copy2(state, target / PARTIAL_PARSE_FILE)


def keep_parse_state(invocation_target: Path, warehouse: str | Path, slot: str | None = None) -> None:
    """Keep a dbt call's parse state for the next call on the same warehouse and slot.

    Handing the newest state back means the next daily run parses only what changed (dbt checks
    every file's checksum itself, so a stale state is never trusted). Replaced atomically:
    another run may be reading it. Only the newest states, and those used lately, are kept.
    """
    state = Path(invocation_target) / PARTIAL_PARSE_FILE
    if not state.exists():
        return
    kept = parse_state_path(warehouse, slot)
    kept.parent.mkdir(parents=True, exist_ok=True)
    staging = kept.with_name(f"{kept.name}.{os.getpid()}")
    shutil.copy2(state, staging)
    os.replace(staging, kept)
    remove_stale(
        list((paths.DBT_PROJECT_DIR / PARSE_STATE_DIR).glob("*.msgpack")),
        keep=PARSE_STATES_KEPT,
        min_age_s=PARSE_STATES_KEPT_FOR_S,
    )


def prune_old_targets(invocation_target: Path, *, keep: int = 10, min_age_s: float = 3600.0) -> list[Path]:
    """Remove the target folders of older dbt calls of the same assets; return what was removed.

    Each folder holds a compiled copy of the project and its logs (about 8 MB), one per run:
    left alone they fill the disk of a machine that runs every day. The newest `keep`, and any
    younger than `min_age_s` (another run may still be writing it), stay.
    """
    invocation_target = Path(invocation_target)
    prefix = invocation_target.name.rsplit("-", 2)[0] + "-"
    folders = [folder for folder in invocation_target.parent.glob(prefix + "*") if folder.is_dir()]
    return remove_stale(folders, keep=keep, min_age_s=min_age_s, spare=invocation_target)


def remove_stale(entries: list[Path], *, keep: int, min_age_s: float, spare: Path | None = None) -> list[Path]:
    """Remove the files or folders beyond the `keep` newest that were last touched over
    `min_age_s` ago (`spare` always stays); return what was removed."""
    cutoff = time.time() - min_age_s
    removed = []
    for entry in sorted(entries, key=lambda entry: entry.stat().st_mtime, reverse=True)[keep:]:
        if entry != spare and entry.stat().st_mtime < cutoff:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
