"""`bookflow bench` is a command, not a timed test: only its input handling is tested here."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bookflow.benchmark import parse_sizes
from bookflow.cli import main


def test_sizes_are_read_from_short_names_and_numbers():
    assert parse_sizes("100k, 1M,10m") == [100_000, 1_000_000, 10_000_000]
    assert parse_sizes("2500") == [2500]
    with pytest.raises(ValueError, match="unknown size '5x'"):
        parse_sizes("100k,5x")


def test_bench_rejects_an_unknown_size_before_doing_any_work(tmp_path):
    result = CliRunner().invoke(main, ["bench", "--sizes", "huge", "--workdir", str(tmp_path)])
    assert result.exit_code == 2
    assert "unknown size 'huge'" in result.output
    assert not any(tmp_path.iterdir())
