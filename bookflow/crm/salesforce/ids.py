"""Salesforce record ids: 15 case-sensitive characters, or 18 with a case-safe checksum suffix.

The suffix encodes, for each 5-character block of the 15-character id, which characters are
upper case (bit i set when character i of the block is A-Z), as one character of
"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345". So '001A0000006Vm9r' and '001A0000006Vm9rIAC' name the same
record, while '001a0000006Vm9r' is another one. Two ids are equal only through this checksum,
never by comparing their first 15 characters case-insensitively or leaving the suffix unchecked.
"""

import re

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")


def checksum(id15: str) -> str:
    """The three-character case-safe suffix of a 15-character id."""
    if len(id15) != 15:
        raise ValueError(f"a 15-character Salesforce id is needed, got {id15!r}")
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(id15[start : start + 5]) if "A" <= char <= "Z")
        suffix += _ALPHABET[bits]
    return suffix


def problem(record_id: str) -> str | None:
    """Why `record_id` is not a valid Salesforce id, or None when it is."""
    if not isinstance(record_id, str) or not _SHAPE.match(record_id):
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
