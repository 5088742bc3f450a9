"""The behaviour model's settings: the bundled assumptions.yml, a scenario's own, a YAML file, the
command line, and a sweep's value, each checked before any day runs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from pathlib import Path

import yaml

from bookflow.demo_crm import MIN_ACCOUNTS
from bookflow.simulate import scenarios

ASSUMPTIONS_FILE = Path(__file__).resolve().parent / "assumptions.yml"
TIERS = (1, 2, 3)
# Maps whose entries a file, the command line or a sweep may set one at a time.
MAPS = ("conversion_rate", "return_reasons", "rules_settings")


class SimulationError(Exception):
    """The simulation cannot run: bad settings, or a pipeline day failed."""


def _whole(minimum: int) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            return f"must be a whole number of at least {minimum}, got {value!r}"
        return None

    return check


def _number(minimum: float, maximum: float | None = None) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
            return f"must be a number of at least {minimum}, got {value!r}"
        if maximum is not None and value > maximum:
            return f"must be between {minimum} and {maximum}, got {value!r}"
        return None

    return check


def _tier_rates(value: object) -> str | None:
    if not isinstance(value, dict):
        return f"must map tiers 1-3 to rates, got {value!r}"
    for tier in value:
        if tier not in TIERS:
            return f"tier must be 1, 2 or 3, got {tier!r}"
    if set(value) != set(TIERS):
        return f"must give a rate for each of tiers 1, 2 and 3, got {value!r}"
    for tier, rate in value.items():
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            return f"rate of tier {tier} must be between 0 and 1, got {rate!r}"
    return None


def _weights(value: object) -> str | None:
    if not isinstance(value, dict) or not value:
        return f"must map return reasons to weights, got {value!r}"
    for reason, weight in value.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            return f"weight of {reason} must be a number of at least 0, got {weight!r}"
    if not sum(value.values()) > 0:
        return "needs at least one weight above 0"
    return None


def _cooldown(value: object) -> str | None:
    return None if value == "auto" else _whole(0)(value)


def _choice(*options: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        return None if value in options else f"must be one of {', '.join(options)}, got {value!r}"

    return check


def _mapping(value: object) -> str | None:
    if not isinstance(value, dict) or any(isinstance(v, dict | list) for v in value.values()):
        return f"must map names to single values, got {value!r}"
    return None


def _start(value: object) -> str | None:
    return None if value is None or isinstance(value, date) else f"must be a date (YYYY-MM-DD), got {value!r}"


def _flag(value: object) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, got {value!r}"


CHECKS: dict[str, Callable[[object], str | None]] = {
    "days": _whole(1),
    "start": _start,
    "accounts": _whole(MIN_ACCOUNTS),
    "seed": _whole(-(2**62)),
    "touches_per_day_per_slot": _number(0),
    "weekends_off": _flag,
    "sequence_touches": _whole(1),
    "touch_interval_days": _whole(1),
    "conversion_rate": _tier_rates,
    "return_share": _number(0, 1),
    "return_reasons": _weights,
    "cooldown_days": _cooldown,
    "signals_per_1000_accounts_per_day": _number(0, 1000),
    "hand_raises_per_1000_accounts_per_day": _number(0, 1000),
    "new_accounts_per_1000_per_day": _number(0, 1000),
    "leavers_per_year": _number(0),
    "backfill_days": _whole(0),
    "static_territories": _choice("geography", "crm"),
    "rules_settings": _mapping,
}


class SimulationConfig:
    """Every setting of assumptions.yml, read as attributes (`config.sequence_touches`)."""

    def __init__(self, values: dict) -> None:
        self._values = values

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def as_dict(self) -> dict:
        return copy.deepcopy(self._values)

    def updated(self, values: dict, origin: str) -> SimulationConfig:
        """These settings with `values` on top (maps merge entry by entry), all of them checked."""
        unknown = sorted(set(values) - set(CHECKS))
        if unknown:
            raise SimulationError(
                f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(CHECKS))}"
            )
        merged = self.as_dict()
        for name, value in values.items():
            if name == "start" and isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError as error:
                    raise SimulationError(f"{origin}: start {value!r} is not a date (YYYY-MM-DD)") from error
            if name in MAPS and isinstance(value, dict) and isinstance(merged.get(name), dict):
                value = {**merged[name], **value}
            merged[name] = value
        if isinstance(merged.get("conversion_rate"), dict):
            merged["conversion_rate"] = {_tier_key(tier): rate for tier, rate in merged["conversion_rate"].items()}
        problems = [f"{name} {problem}" for name, check in CHECKS.items() if (problem := check(merged.get(name)))]
        if problems:
            raise SimulationError(f"{origin}: " + "; ".join(problems))
        return SimulationConfig(merged)


def _tier_key(tier: object) -> object:
    return int(tier) if str(tier) in ("1", "2", "3") else tier


def _read_yaml(path: Path) -> dict:
    try:
        values = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SimulationError(f"{path}: cannot read the settings: {error}") from error
    if not isinstance(values, dict):
        raise SimulationError(f"{path}: expected a mapping of setting: value")
    return values


def bundled() -> SimulationConfig:
    """The bundled assumptions, as assumptions.yml states them."""
    return SimulationConfig({}).updated(_read_yaml(ASSUMPTIONS_FILE), str(ASSUMPTIONS_FILE))


def load_config(scenario: str, config_file: Path | None, overrides: dict) -> SimulationConfig:
    """The bundled assumptions, then the scenario's own, then the YAML file, then the command line."""
    if scenario not in scenarios.SCENARIOS:
        raise SimulationError(f"unknown scenario {scenario!r}; choose from {', '.join(scenarios.SCENARIOS)}")
    config = bundled()
    if scenario == "jane-joe":
        config = config.updated(scenarios.JANE_JOE_SETTINGS, "scenario jane-joe")
    if config_file is not None:
        config = config.updated(_read_yaml(config_file), str(config_file))
    given = {name: value for name, value in overrides.items() if value is not None}
    return config.updated(given, "command line") if given else config


def sweep_values(config: SimulationConfig, spec: str) -> tuple[str, list[tuple[str, SimulationConfig]]]:
    """`KEY=V1,V2,...` (or `MAP.KEY=...`): the setting's name and one checked config per value.

    Values are read as YAML scalars, so `0.5` is a number and `auto` a word.
    """
    name, sep, listed = spec.partition("=")
    name = name.strip()
    values = [value.strip() for value in listed.split(",") if value.strip()]
    if not sep or not name or not values:
        raise SimulationError(f"--sweep {spec!r}: expected SETTING=V1,V2,... (e.g. sequence_touches=4,6,8)")
    top, dot, entry = name.partition(".")
    if dot and top not in MAPS:
        raise SimulationError(f"--sweep {spec!r}: only {', '.join(MAPS)} have entries to sweep one by one")
    runs = []
    for text in values:
        value = yaml.safe_load(text)
        update = {top: {_tier_key(entry) if top == "conversion_rate" else entry: value}} if dot else {top: value}
        runs.append((text, config.updated(update, f"--sweep {name}={text}")))
    return name, runs
