"""Salesforce record ids: 15 case-sensitive characters, or 18 with a case-safe checksum suffix.

The suffix encodes, for each 5-character block of the 15-character id, which characters are
upper case (bit i set when character i of the block is A-Z), as one character of
"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345". So '001A0000006Vm9r' and '001A0000006Vm9rIAC' name the same
record, while '001a0000006Vm9r' is another one. Two ids are equal only through this checksum,
never by comparing their first 15 characters case-insensitively or leaving the suffix unchecked.
"""

from functools import lru_cache
from pathlib import Path

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
# Upper-case letters -> "1", anything else -> "0": a block's bits as a string, read in one call
# (a sync checks every id it reads and writes, millions of them).
_CASE_BITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "1" * 26 + "0" * 36)
# A block's bits as written (character i of the block is bit i) -> its suffix character: 32 entries.
_BLOCK_CHARACTER = {format(value, "05b")[::-1]: _ALPHABET[value] for value in range(32)}


def checksum(id15: str) -> str:
    """The three-character case-safe suffix of a 15-character id."""
    if len(id15) != 15:
        raise ValueError(f"a 15-character Salesforce id is needed, got {id15!r}")
    bits = id15.translate(_CASE_BITS)
    try:
        return _BLOCK_CHARACTER[bits[:5]] + _BLOCK_CHARACTER[bits[5:10]] + _BLOCK_CHARACTER[bits[10:]]
    except KeyError:
        raise ValueError(f"a Salesforce id has only letters and digits, got {id15!r}") from None


def problem(record_id: str) -> str | None:
    """Why `record_id` is not a valid Salesforce id, or None when it is."""
    # str methods rather than a regular expression: a sync checks millions of ids.
    if not isinstance(record_id, str) or len(record_id) not in (15, 18) or not record_id.isascii():
        return "not 15 or 18 letters and digits"
    if not record_id.isalnum():
        return "not 15 or 18 letters and digits"
    if len(record_id) == 18 and record_id[15:].upper() != checksum(record_id[:15]):
        return f"wrong checksum suffix (expected {checksum(record_id[:15])})"
    return None


def is_valid(record_id: str) -> bool:
    return problem(record_id) is None


def to_18(record_id: str) -> str:
    """The 18-character form of a valid 15- or 18-character id (the form the APIs return)."""
    reason = problem(record_id)
    if reason:
        raise ValueError(f"{record_id!r} is not a Salesforce id: {reason}")
    return record_id[:15] + checksum(record_id[:15])


def canonical(record_id: str) -> str | None:
    """The 18-character form of a valid 15- or 18-character id, None for an invalid one: the form
    ids are matched and compared in."""
    if problem(record_id):
        return None
    # problem() checked an 18-character id's suffix against its first 15 characters.
    return record_id[:15] + record_id[15:].upper() if len(record_id) == 18 else record_id + checksum(record_id)


@lru_cache(maxsize=1 << 16)
def canonical_cached(record_id: str) -> str | None:
    """canonical(), remembered: for ids that repeat across a sync, such as owners."""
    return canonical(record_id)


# Record numbers as base-62 digits, as Salesforce's own ids carry them.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Characters 4-6 of an id: the instance (pod) and a reserved character, the same for every record
# of one org. A demo org's, here.
DEMO_POD = "Dn0"


def record_id(key_prefix: str, number: int, pod: str = DEMO_POD) -> str:
    """The 18-character id of record `number` of the object whose key prefix is `key_prefix`
    ('001' Account, '005' User...), as a demo org's would be. ids.sql builds the same in SQL."""
    if len(key_prefix) != 3 or len(pod) != 3 or not 0 <= number < 62**9:
        raise ValueError("a 3-character key prefix and pod, and a record number below 62**9, are needed")
    digits = ""
    for _ in range(9):
        number, digit = divmod(number, 62)
        digits = _DIGITS[digit] + digits
    return to_18(key_prefix + pod + digits)


def sql_macros() -> str:
    """DuckDB macros `salesforce_id(key_prefix, number)` and `salesforce_id_18(id15)` (ids.sql)."""
    return (Path(__file__).with_name("ids.sql")).read_text()
