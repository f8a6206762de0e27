"""Errors a user can act on. Each names the file, field or value at fault."""

from __future__ import annotations


class BenchdbError(Exception):
    """Base class: the CLI turns these into one-line `click.ClickException`s."""


class CatalogError(BenchdbError):
    """The model catalog is missing, malformed or lacks the model asked for."""


class LandingError(BenchdbError):
    """The landing zone cannot be written, or holds a file that cannot be read."""


class ConfigurationError(BenchdbError):
    """A benchmark option (hardware type, batch size, precision ...) is not valid."""


class WarehouseError(BenchdbError):
    """dbt or DuckDB failed; the message carries their own words."""
