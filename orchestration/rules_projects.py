"""A dbt project per set of rules: a copy of the rules as its seeds, links to the rest of dbt_project/.

dbt reads the rules as seeds. Each set of rules a run uses (`bookflow run --rules DIR`, a
simulation, a test's) gets a folder named by its contents, which never changes once written: two
runs from one checkout (the schedule and a `bookflow simulate` with other rules) can never read
each other's rules, or a half-written copy. The folder is a dbt project: `seeds/` holds the copy,
and every other entry of dbt_project/ (dbt_project.yml, profiles.yml, models, macros, tests,
reference) is a link to the one in dbt_project/.

So every set of rules has the same seed path, and dbt's partial parsing holds from one set to the
next: edited rules re-parse the seeds that changed. With a seed path of its own per set (an env var
dbt_project.yml read), dbt parsed the whole project again for each new set, about 5 s of CPU on
the small demo. Copies rather than the rules' own folder: dbt writes each seed's rendered SQL to
target/run/<project>/<seed path>, which for a seed path outside the project is the CSV itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from bookflow import paths
from bookflow.rules.defaults import copy_completed
from orchestration.parse_states import remove_stale

RULES_PROJECTS = Path("target") / "rules_projects"
RULES_PROJECTS_KEPT = 10
# What a rules project does not link: its own seeds, and what dbt writes in a project.
NOT_LINKED = frozenset({"seeds", "target", "logs", "dbt_packages"})


def rules_digest(rules_dir: str | Path | None) -> str:
    """The name of the project `rules_project` makes for these rules: a digest of their CSV files."""
    rules = Path(rules_dir or paths.rules_dir()).resolve()
    # The salt changes whenever a copy is made differently (copy_completed), so no older copy is reused.
    digest = hashlib.sha256(b"a project completed with optional files 2\0")
    for csv_file in sorted(rules.glob("*.csv")):
        digest.update(csv_file.name.encode() + b"\0" + csv_file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def rules_project(rules_dir: str | Path | None) -> Path:
    """The dbt project folder of these rules (made once per distinct set)."""
    rules = Path(rules_dir or paths.rules_dir()).resolve()
    project = paths.DBT_PROJECT_DIR / RULES_PROJECTS / rules_digest(rules)
    if project.is_dir():
        os.utime(project)  # in use: keeps it out of the pruning below
    else:
        staging = project.with_name(f".{project.name}.{os.getpid()}.{uuid.uuid4().hex[:7]}")
        (staging / "seeds").mkdir(parents=True)
        copy_completed(sorted(rules.glob("*.csv")), staging / "seeds")
        _link_project_files(staging)
        try:
            os.rename(staging, project)
        except OSError:  # another run made the same project first
            shutil.rmtree(staging, ignore_errors=True)
    # A file or folder added to dbt_project/ since this project was made (an analyses/ folder).
    _link_project_files(project)
    _prune_rules_projects()
    return project


def _link_project_files(project: Path) -> None:
    """Link every entry of dbt_project/ that `project` lacks. Relative links: a checkout that
    moves takes its projects along."""
    for entry in paths.DBT_PROJECT_DIR.iterdir():
        link = project / entry.name
        if entry.name in NOT_LINKED or entry.name.startswith(".") or link.is_symlink():
            continue
        try:
            link.symlink_to(os.path.relpath(entry, project))
        except FileExistsError:  # another run linked it first
            pass


def _prune_rules_projects(min_age_s: float = 86400.0) -> None:
    """Remove rules projects beyond the newest few that no run has used for a day."""
    projects = [folder for folder in (paths.DBT_PROJECT_DIR / RULES_PROJECTS).iterdir() if folder.is_dir()]
    remove_stale(projects, keep=RULES_PROJECTS_KEPT, min_age_s=min_age_s)
