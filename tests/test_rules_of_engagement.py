"""The rules of engagement real teams need, through the whole cycle (CLI -> Dagster -> dbt -> sync
to the demo CRM), on the small demo whose ENT accounts an AE and a BDR share.

Day 1 runs the bundled rules with the distribution settings turned up: fixed_per_rep with a book
cap, pool_rank_keys led by tier, a retrieval cap, and displacement into full SMB books. Day 2 turns
on completion after one day and gives a rep an end_date. Every rule is also a dbt data test that
runs inside each build, so a run that broke one would fail here; the tests below check that each
rule did something, and what the CRM holds afterwards. The two days are made once for the session
(`engaged`); each test reads them.
"""

from __future__ import annotations

import math
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from bookflow import paths
from tests.conftest import Workspace, run_day
from tests.cycles import copy_cycle_files, made_once, world_environment

DAY_1, DAY_2 = date(2026, 6, 1), date(2026, 6, 2)
LEAVER = "005Dn0000000005IAA"  # Elena Rossi, SDR-SMB-EMEA
# The making of `engaged`: two cycles, about 45 seconds alone on one core.
pytestmark = pytest.mark.world("engaged", seconds=45)


def _set(rules, **settings: str) -> None:
    lines = [
        line for line in (rules / "settings.csv").read_text().splitlines() if line.split(",", 1)[0] not in settings
    ]
    lines += [f'{name},"{value}",set by the test' for name, value in settings.items()]
    (rules / "settings.csv").write_text("\n".join(lines) + "\n")


def _query(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _two_days(root: Path, demo_crm_template: Path) -> None:
    """Day 1 with the distribution rules turned up, kept in root/day_1 with its output; day 2 with
    completion after a day and a leaving rep, in root."""
    workspace = Workspace.in_folder(root)
    rules = workspace.rules
    shutil.copytree(paths.BUNDLED_RULES_DIR, rules)
    shutil.copy(demo_crm_template, workspace.crm)
    # Full SMB books in AMER: their reps can take new accounts only by displacement.
    reps = (rules / "reps.csv").read_text().replace(",SDR,SMB,AMER,150,", ",SDR,SMB,AMER,20,")
    (rules / "reps.csv").write_text(reps)
    _set(
        rules,
        distribution_mode="fixed_per_rep",
        distribution_per_rep="4",
        max_new_per_book_per_run="12",
        pool_rank_keys="tier,timing_score desc,account_id",
        max_retrievals_per_run="5",
        displace_for_higher_tier="true",
    )
    with world_environment(root):
        (root / "day_1_output.txt").write_text(run_day(workspace, DAY_1, "--force"))
        (root / "day_1").mkdir()
        copy_cycle_files(root, root / "day_1")
        # Day 2: completion after one day held without progress, and a rep leaving on June 5.
        _set(rules, completion_days="1")
        reps = (rules / "reps.csv").read_text().splitlines()
        reps = [line[: line.rfind(",") + 1] + "2026-06-05" if line.startswith(LEAVER) else line for line in reps]
        (rules / "reps.csv").write_text("\n".join(reps) + "\n")
        run_day(workspace, DAY_2, "--force")


@pytest.fixture(scope="session")
def engaged(tmp_path_factory: pytest.TempPathFactory, demo_crm_template: Path) -> Path:
    """The folder of the two days, made once for the session (day 1's files in its day_1/)."""
    return made_once(tmp_path_factory, "rules_of_engagement", lambda root: _two_days(root, demo_crm_template))


def test_day_one_summary_names_the_rules_that_held_the_deal(engaged):
    output = (engaged / "day_1_output.txt").read_text()
    assert "handed off to AEs" in output and "displaced" in output
    wh = engaged / "day_1" / "warehouse.duckdb"
    # Where the caps stopped the deal with ready accounts and open slots both left, the summary
    # names the rules rather than the slots.
    held = _query(
        wh, "select target_book from marts.capacity_gap where ready_pool_left > 0 and open_slots > distributed"
    )
    assert held
    for (book,) in held:
        assert re.search(rf"^    {book} .*a per-run cap or the distribution mode", output, re.MULTILINE), book


def test_day_one_shares_ent_accounts_and_hands_off_to_aes(engaged):
    wh = engaged / "day_1" / "warehouse.duckdb"
    # Shared ownership: ENT accounts have a row per owner field, each in its role's book.
    fields = dict(_query(wh, "select crm_field, count(distinct role) from marts.account_status group by 1"))
    assert set(fields) == {"owner_id", "sdr_owner_c"}
    assert _query(wh, "select distinct role from marts.account_status where crm_field = 'sdr_owner_c'") == [("BDR",)]

    # Handoffs: a pool account its BDR converted went to an AE of its own book; the BDR kept the
    # SDR field, and the credit.
    handoffs = _query(
        wh,
        """
        select changes.account_id, changes.to_owner_id, capacity.target_book, status.target_book, sdr.owner_id
        from marts.ownership_changes as changes
        inner join marts.rep_capacity as capacity on changes.to_owner_id = capacity.rep_id
        inner join marts.account_status as status
            on changes.account_id = status.account_id and status.crm_field = 'owner_id'
        inner join marts.account_status as sdr
            on changes.account_id = sdr.account_id and sdr.crm_field = 'sdr_owner_c'
        where changes.change_type = 'handoff'
        """,
    )
    assert handoffs
    crm = {
        account: (owner, sdr)
        for account, owner, sdr in _query(
            engaged / "day_1" / "demo_crm.duckdb", "select id, owner_id, sdr_owner_c from salesforce.account"
        )
    }
    for account, ae, ae_book, account_book, bdr in handoffs:
        assert ae_book == account_book and ae_book.startswith("AE-ENT-")
        assert crm[account] == (ae, bdr)
    credited = _query(wh, "select sum(handoffs_30d) from marts.book_health where target_book like 'BDR-%'")[0][0]
    assert credited == len(handoffs)


def test_day_one_grades_caps_ranks_retrieves_and_displaces(engaged):
    wh = engaged / "day_1" / "warehouse.duckdb"
    # Working grades show in account_status and book_health.
    grades = dict(
        _query(
            wh,
            """
            select working_grade, count(*)
            from marts.account_status as status
            inner join marts.rep_capacity as capacity
                on status.owner_id = capacity.rep_id and status.crm_field = capacity.crm_field
            where status.status in ('new', 'working', 'unworked', 'completed', 'resting', 'review')
            group by 1
            """,
        )
    )
    assert grades.get("green") and grades.get("yellow") and grades.get("red")
    books = _query(wh, "select sum(graded_green), sum(graded_yellow), sum(graded_red) from marts.book_health")[0]
    assert books == (grades["green"], grades["yellow"], grades["red"])

    # Fixed per rep and the book cap (a displacement's freed slot comes on top of the rep's 4).
    per_rep = _query(wh, "select rep_id, distributed, displaced from marts.rep_capacity where distributed > 0")
    assert per_rep and all(distributed - displaced <= 4 for _, distributed, displaced in per_rep)
    per_book = _query(wh, "select target_book, count(*) from marts.ranked_assignments group by 1")
    assert max(count for _, count in per_book) == 12

    # The pool is dealt by tier first, then timing: within a book, tiers never go back up.
    dealt = _query(
        wh,
        """
        select target_book, tier, timing_score
        from marts.ranked_assignments where deal_kind = 'distribute' order by target_book, pool_rank
        """,
    )
    for before, after in zip(dealt, dealt[1:], strict=False):
        if before[0] == after[0]:
            assert (before[1], -before[2]) <= (after[1], -after[2])

    # Five retrievals for lack of work, the stalest; the other unworked accounts wait.
    retrieved = _query(
        wh,
        "select count(*) from marts.ownership_changes where change_type = 'retrieve' and reason not like '%book returned%'",
    )[0][0]
    deferred = _query(wh, "select count(*) from marts.account_status where is_retrieval_deferred")[0][0]
    assert retrieved == 5 and deferred > 0

    # Displacement: full SMB books swap their worst accounts for better waiting ones.
    displaced = _query(
        wh,
        """
        select count(*), min(reason) from marts.ownership_changes
        where change_type = 'displace' and role = 'SDR'
        """,
    )[0]
    assert displaced[0] > 0 and displaced[1].startswith("displaced by a tier ")


def test_day_two_completes_held_accounts_and_drains_a_leavers_book(engaged):
    """Completion after one day held without progress, and a rep leaving on June 5."""
    wh = engaged / "warehouse.duckdb"
    book_before = _query(
        wh,
        f"""
        select count(*) from marts.account_status
        where owner_id = '{LEAVER}' and status in ('new', 'working', 'unworked', 'completed') and not is_pinned
        """,
    )[0][0]

    completed = _query(wh, "select count(*), min(reason) from marts.ownership_changes where change_type = 'complete'")[
        0
    ]
    assert completed[0] > 0 and completed[1].startswith("completed: held ")
    state, capacity = _query(wh, f"select capacity_state, capacity from marts.rep_capacity where rep_id = '{LEAVER}'")[
        0
    ]
    assert (state, capacity) == ("leaving", 0)
    left_book = _query(
        wh,
        f"select count(*) from marts.ownership_changes where from_owner_id = '{LEAVER}' and reason like '%leaves on%'",
    )[0][0]
    # Three days to end_date: a quarter of the book (rounded up) leaves today, oldest untouched first.
    assert book_before > 0 and left_book == math.ceil(book_before / 4)
