"""Manual hardware marks: an appended hardware event, never an edit.

`benchdb simulation mark-hardware cuda --reason ...` says results on cuda from now on are not to
be trusted as measurements (for example, the "cuda" of a CI server was an emulator). The
warehouse flags them `is_simulated` with the mark's reason when it builds, until
`mark-available` lands a newer mark.
"""

from __future__ import annotations

import socket
from pathlib import Path

from runners import landing
from runners.errors import ConfigurationError
from runners.hardware import KNOWN_HARDWARE


def mark_hardware(landing_root: Path, hardware_type: str, is_available: bool, reason: str) -> Path:
    if hardware_type not in KNOWN_HARDWARE:
        raise ConfigurationError(
            f"unknown hardware type '{hardware_type}'; known types: {', '.join(KNOWN_HARDWARE)}"
        )
    if not reason.strip():
        raise ConfigurationError("a mark needs a reason (--reason)")
    landing.ensure_writable(landing_root)
    mark_id = landing.new_run_id()
    now = landing.utc_now()
    path = landing.write_rows(
        landing_root,
        "hardware_events",
        [
            {
                "event_id": landing.derived_id(mark_id, "manual_mark", hardware_type),
                "run_id": None,
                "hardware_type": hardware_type,
                "is_available": is_available,
                "reason": reason.strip(),
                "host": socket.gethostname(),
                "detected_at": now,
                "event_source": "manual_mark",
            }
        ],
        f"mark-{mark_id}",
        now,
    )
    assert path is not None
    return path


def mark_result(landing_root: Path, result_id: str, reason: str) -> Path:
    """Flag one result simulated: a result mark, applied when the warehouse builds."""
    if not result_id.strip():
        raise ConfigurationError("a result mark needs a result_id")
    if not reason.strip():
        raise ConfigurationError("a mark needs a reason")
    landing.ensure_writable(landing_root)
    mark_id = landing.new_run_id()
    now = landing.utc_now()
    path = landing.write_rows(
        landing_root,
        "result_marks",
        [
            {
                "mark_id": mark_id,
                "result_id": result_id.strip(),
                "is_simulated": True,
                "reason": reason.strip(),
                "marked_at": now,
                "host": socket.gethostname(),
            }
        ],
        f"mark-{mark_id}",
        now,
    )
    assert path is not None
    return path
