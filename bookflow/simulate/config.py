"""The behaviour model's settings: defaults, a scenario's own, a YAML file, the command line."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from pathlib import Path

from bookflow.simulate import scenarios


class SimulationError(Exception):
    """The simulation cannot run: bad settings, or a pipeline day failed."""


@dataclass
class SimulationConfig:
    """The behaviour model's assumptions (see bookflow/simulate/__init__.py). YAML keys are these names."""

    days: int = 7
    start: date | None = None
    accounts: int = 5000
    seed: int = 42
    work_rate: float = 1.0
    days_to_convert: int = 3
    conversion_rate: dict[int, float] = field(default_factory=lambda: {1: 0.10, 2: 0.04, 3: 0.01})
    return_after_days: int = 2
    return_rate: dict[int, float] = field(default_factory=lambda: {1: 0.02, 2: 0.05, 3: 0.10})
    static_territories: str = "geography"

    def updated(self, values: dict, origin: str) -> SimulationConfig:
        known = {item.name for item in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SimulationError(
                f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        merged = asdict(self) | values
        for name in ("conversion_rate", "return_rate"):
            merged[name] = _tier_rates(merged[name], f"{origin}: {name}", base=getattr(self, name))
        if isinstance(merged["start"], str):
            merged["start"] = _parse_date(merged["start"], f"{origin}: start")
        config = SimulationConfig(**merged)
        config.check(origin)
        return config

    def check(self, origin: str = "settings") -> None:
        problems = []
        for name in ("days", "accounts", "days_to_convert", "return_after_days"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a whole number of at least 1, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool):
            problems.append(f"seed must be a whole number, got {self.seed!r}")
        if not isinstance(self.work_rate, int | float) or not 0 <= self.work_rate <= 1:
            problems.append(f"work_rate must be between 0 and 1, got {self.work_rate!r}")
        if self.static_territories not in ("geography", "crm"):
            problems.append(f"static_territories must be geography or crm, got {self.static_territories!r}")
        if problems:
            raise SimulationError(f"{origin}: " + "; ".join(problems))


def _parse_date(value, origin: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise SimulationError(f"{origin}: {value!r} is not a date (YYYY-MM-DD)") from error


def _tier_rates(value, origin: str, base: dict[int, float]) -> dict[int, float]:
    """Rates by tier 1-3, each between 0 and 1; tiers left out keep `base`."""
    if not isinstance(value, dict):
        raise SimulationError(f"{origin} must map tiers 1-3 to rates, got {value!r}")
    rates = dict(base)
    for tier, rate in value.items():
        if str(tier) not in ("1", "2", "3"):
            raise SimulationError(f"{origin}: tier must be 1, 2 or 3, got {tier!r}")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise SimulationError(f"{origin}: rate of tier {tier} must be between 0 and 1, got {rate!r}")
        rates[int(tier)] = float(rate)
    return rates


def load_config(scenario: str, config_file: Path | None, overrides: dict) -> SimulationConfig:
    """Defaults, then the scenario's settings, then the YAML file, then the command line."""
    import yaml

    if scenario not in scenarios.SCENARIOS:
        raise SimulationError(f"unknown scenario {scenario!r}; choose from {', '.join(scenarios.SCENARIOS)}")
    config = SimulationConfig()
    if scenario == "jane-joe":
        config = config.updated(scenarios.JANE_JOE_SETTINGS, "scenario jane-joe")
    if config_file is not None:
        try:
            values = yaml.safe_load(Path(config_file).read_text()) or {}
        except (OSError, yaml.YAMLError) as error:
            raise SimulationError(f"{config_file}: cannot read the settings: {error}") from error
        if not isinstance(values, dict):
            raise SimulationError(f"{config_file}: expected a mapping of setting: value")
        config = config.updated(values, str(config_file))
    given = {name: value for name, value in overrides.items() if value is not None}
    return config.updated(given, "command line") if given else config
