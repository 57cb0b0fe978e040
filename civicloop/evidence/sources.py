"""Where an impact report's figures come from, as stable English strings.

The adapters (`from_experiments`, `from_feedback`) write them; pages read them back with
`source_code` and word them in the reader's language (`labels.source_text`).
"""

from __future__ import annotations

import re
from datetime import date

# Where an adapter's figures come from, as stable English: the report JSON returns it and a
# measured replication stores it (`scaling.Replication.measured_source`). Pages word it in the
# reader's language (`labels.source_text`), reading the code and parameters back with
# `source_code`; a source typed in by hand is content and is shown as typed.
SERVICE_RECORD_SOURCE = "experiments: service record"
_SOURCE_PATTERNS = (
    (
        "experiment_results",
        re.compile(r"experiment (?P<key>[-\w]+), results of (?P<date>\d{4}-\d{2}-\d{2})"),
    ),
    ("feedback_survey", re.compile(r"feedback survey (?P<slug>[-\w]+)")),
    ("service_record", re.compile(re.escape(SERVICE_RECORD_SOURCE))),
)


def experiment_source(key: str, computed_at: date) -> str:
    return f"experiment {key}, results of {computed_at:%Y-%m-%d}"


def survey_source(slug: str) -> str:
    return f"feedback survey {slug}"


def source_code(source: str) -> tuple[str, dict[str, str]] | None:
    """The code and parameters of a source an adapter wrote; None for anything else."""
    for code, pattern in _SOURCE_PATTERNS:
        match = pattern.fullmatch(source)
        if match:
            return code, match.groupdict()
    return None
