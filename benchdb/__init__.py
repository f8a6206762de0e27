"""benchdb: the warehouse side.

Builds the warehouse from the landing zone with dbt, answers questions from its marts (CLI, Python
API, REST API, reports and charts), migrates legacy JSON, plans what to run next, estimates what
cannot be measured (roofline) and maintains the DuckDB file. It may import `runners` (the hardware
host's package); `runners` never imports it. The old system's class names live in
`benchdb.compat`, which nothing in this package imports.
"""

from __future__ import annotations

from runners import __version__

__all__ = ["__version__"]
