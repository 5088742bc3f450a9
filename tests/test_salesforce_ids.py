"""Salesforce's case-safe id suffix, against its definition written out the long way."""

import random
import string

import pytest

from bookflow.crm.salesforce import ids

ALPHABET = string.ascii_uppercase + "012345"


def suffix_by_definition(id15: str) -> str:
    """For each block of 5 characters, bit i is set when character i is an upper-case letter."""
    suffix = ""
    for start in (0, 5, 10):
        value = sum(
            1 << i for i, character in enumerate(id15[start : start + 5]) if character in string.ascii_uppercase
        )
        suffix += ALPHABET[value]
    return suffix


def test_checksum_follows_the_definition_for_every_case_pattern_of_a_block():
    assert ids.checksum("001A0000006Vm9r") == "IAC"
    rng = random.Random(20)
    characters = string.ascii_letters + string.digits
    # Every case pattern of every block (the blocks are independent), the rest drawn at random.
    for block in range(3):
        for pattern in range(32):
            upper = {5 * block + i for i in range(5) if pattern >> i & 1}
            id15 = "".join(
                rng.choice(string.ascii_uppercase if i in upper else string.ascii_lowercase + string.digits)
                for i in range(15)
            )
            assert ids.checksum(id15) == suffix_by_definition(id15), id15
    for _ in range(2000):
        id15 = "".join(rng.choice(characters) for _ in range(15))
        assert ids.canonical(id15) == id15 + suffix_by_definition(id15)
        assert ids.problem(id15 + suffix_by_definition(id15).lower()) is None


@pytest.mark.parametrize("bad", ["001A0000006Vm9-", "001A0000006Vm9 ", "001A0000006Vm9é"])
def test_checksum_refuses_what_is_not_letters_and_digits(bad):
    with pytest.raises(ValueError):
        ids.checksum(bad)
    assert ids.problem(bad) == "not 15 or 18 letters and digits"
