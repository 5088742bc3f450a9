"""Inbound hand raisers: noticed within seconds, routed with the daily cycle's rules, synced at once.

- `store`: the inbound store, a small DuckDB file of its own, so routing never waits on the
  warehouse that the daily run holds for minutes;
- `handoff`: what the daily cycle and inbound routing hand each other (cycle marker, capacity
  snapshot, inbound changes and their ledger back into the warehouse);
- `crm_read`: what routing reads from the CRM file and the rules;
- `routing`: new hand raises -> ownership changes, one set-based transaction (its SQL in `sql/`);
- `service`: route then sync, the unit of work of the sensor and `bookflow watch`;
- `webhook`: a local HTTP endpoint that appends hand raises to the CRM's signals table.
"""
