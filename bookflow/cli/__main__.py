"""`python -m bookflow.cli`, as tests and benchmarks start it."""

from bookflow.cli import entry_point

entry_point()
