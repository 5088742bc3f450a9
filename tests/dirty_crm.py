"""A CRM dirtied as loaders dirty it, and the check that each dirty row waits in quarantine.

Rows no loader can fix (a null or unknown owner, a duplicate id, an unknown return reason or
signal type), a loader that lands text where numbers, dates and booleans belong, and a rep who
left: `dirty` writes them into a demo CRM, `check_dirty_rows_held` reads what a run then did.
"""

from __future__ import annotations

import re

import duckdb

from tests.conftest import query

DIRTY = ("001Dn0000000001IAA", "001Dn0000000002IAA", "001Dn0000000003IAA")
# The accounts of the bad return and the bad signal: their rows name them.
NAMED = ("001Dn0000000004IAA", "001Dn0000000005IAA")


def dirty(crm) -> tuple[list[str], str]:
    """Dirty the CRM as loaders do; the six accounts with text employee counts and the task with
    a date that is not one."""
    with duckdb.connect(str(crm)) as con:
        # Rows no loader can fix: a null or unknown owner, a duplicate id, an unknown return
        # reason or signal type.
        con.execute("update salesforce.account set owner_id = null where id = ?", [DIRTY[0]])
        con.execute("update salesforce.account set owner_id = '005NOBODY000000001' where id = ?", [DIRTY[1]])
        con.execute("insert into salesforce.account select * from salesforce.account where id = ?", [DIRTY[2]])
        con.execute(
            "insert into salesforce.book_return_c values ('a00BAD', ?, '005Dn0000000001IAA', 'bored', now(), false)",
            [NAMED[0]],
        )
        con.execute("insert into signals.account_signal values (?, 'horoscope', now(), 0.5)", [NAMED[1]])
        # Six clean accounts: live, one row per id, owned by a CRM user.
        accounts = [
            row[0]
            for row in con.execute(
                """
                select id from salesforce.account
                where not is_deleted and owner_id in (select id from salesforce.user)
                    and list_position(?, id) is null
                group by id having count(*) = 1 order by id limit 6
                """,
                [list(NAMED)],
            ).fetchall()
        ]
        # A loader that lands text: the spellings, and one clean value of each kind.
        con.execute("alter table salesforce.account alter number_of_employees type varchar")
        for account, value in zip(accounts, ["n/a", "1,200", "", " 42 ", "1200.0", "12,00"], strict=True):
            con.execute("update salesforce.account set number_of_employees = ? where id = ?", [value, account])
        con.execute("alter table salesforce.task alter activity_date type varchar")
        bad_task = con.execute("select min(id) from salesforce.task").fetchone()[0]
        con.execute("update salesforce.task set activity_date = 'last tuesday' where id = ?", [bad_task])
        con.execute("alter table salesforce.opportunity alter is_closed type varchar")
        con.execute(
            "update salesforce.opportunity set is_closed = case when is_closed = 'true' then 'yes' else 'no' end"
        )
        # A rep who left: an inactive CRM user, reported after the run, not an error.
        con.execute("update salesforce.user set is_active = false where id = '005Dn0000000003IAA'")
    return accounts, bad_task


def check_dirty_rows_held(workspace, output: str, accounts: list[str], bad_task: str) -> None:
    """Each dirty row is in marts.quarantine with its reason and nowhere else; values that
    convert were read."""
    held = {
        (table, record): reason
        for table, record, reason in query(
            workspace.warehouse, "select source_table, record_id, reason from marts.quarantine"
        )
    }
    assert held[("salesforce.account", DIRTY[0])] == "null owner_id"
    assert held[("salesforce.account", DIRTY[1])] == "unknown owner_id 005NOBODY000000001"
    assert held[("salesforce.account", DIRTY[2])] == "duplicate account id"
    assert held[("salesforce.book_return_c", "a00BAD")] == "unknown return reason bored"
    assert held[("signals.account_signal", NAMED[1])] == "unknown signal_type horoscope"
    in_marts = "select count(*) from marts.{} where list_position(?, account_id) is not null"
    assert [
        query(workspace.warehouse, in_marts.format(mart), [DIRTY]) for mart in ("account_status", "ownership_changes")
    ] == [[(0,)], [(0,)]]
    assert held[("salesforce.account", accounts[0])] == "number_of_employees 'n/a' is not a whole number"
    assert held[("salesforce.account", accounts[5])] == "number_of_employees '12,00' is not a whole number"
    assert held[("salesforce.task", bad_task)].startswith("activity_date 'last tuesday' is not a timestamp")
    employees = dict(
        query(
            workspace.warehouse,
            "select account_id, employee_count from staging.stg_salesforce__accounts where account_id in (?, ?, ?, ?)",
            accounts[1:5],
        )
    )
    assert employees == {accounts[1]: 1200, accounts[2]: None, accounts[3]: 42, accounts[4]: 1200}
    scored = {row[0] for row in query(workspace.warehouse, "select account_id from marts.account_scores")}
    assert accounts[0] not in scored and accounts[5] not in scored and accounts[1] in scored
    # 'yes'/'no' read as booleans: the open opportunities still convert their accounts.
    assert query(workspace.warehouse, "select count(*) from marts.account_status where status = 'converted'")[0][0] > 0
    assert re.search(r"note: reps gone \(inactive in the CRM.*005Dn0000000003IAA", output)
