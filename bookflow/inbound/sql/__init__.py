"""The SQL inbound routing runs, one file per statement (long SQL stays out of Python strings)."""

from functools import cache
from pathlib import Path


@cache
def read_sql(name: str) -> str:
    return (Path(__file__).parent / f"{name}.sql").read_text()
