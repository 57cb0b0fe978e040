"""The columnar intake path stores exactly what the row-by-row rules store, and refuses nothing
they accept: a sender's events, rejections and duplicates do not depend on which path ran."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicloop.analytics.engine import EventStore
from civicloop.analytics.store.columnar import TypedRows, batch_clean, batch_parse
from civicloop.analytics.store.outbox import batch_of
from civicloop.analytics.store.validation import Rejected, event_clean

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]), min_size=0, max_size=12
)  # lone surrogates cannot be sent as UTF-8 JSON
_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text
_stamp = st.builds(
    lambda moment, fmt, offset: _format(moment, fmt, offset),
    # Naive on purpose: _format writes the zone (or none) itself.
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),  # noqa: DTZ001
    st.sampled_from(["T", " ", "Tms", "naive", "date"]),
    st.integers(-23 * 60, 23 * 60),
)


def _format(moment: datetime, fmt: str, offset_minutes: int) -> str:
    zone = UTC if offset_minutes == 0 else None
    sign = "+" if offset_minutes >= 0 else "-"
    suffix = "Z" if zone else f"{sign}{abs(offset_minutes) // 60:02}:{abs(offset_minutes) % 60:02}"
    if fmt == "naive":
        return moment.isoformat()
    if fmt == "date":
        return moment.date().isoformat() + suffix
    text = moment.isoformat(sep=fmt[0], timespec="microseconds" if fmt == "Tms" else "auto")
    return text + suffix


# Events of every spelling the API accepts (most batches are all valid: the columnar path's case) ...
_event = st.fixed_dictionaries(
    {
        "event_id": st.uuids().map(str)
        | st.uuids().map(lambda u: str(u).upper())
        | st.uuids().map(lambda u: u.hex),
        "unit_id": st.text(min_size=1, max_size=3),
        "name": st.sampled_from(["form_submitted", "$exposure", "é" * 128]),
        "timestamp": _stamp,
    },
    optional={
        "value": st.none() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False),
        "properties": st.none()
        | st.dictionaries(_text, _scalar, max_size=4)
        | st.fixed_dictionaries({"experiment": _text, "variant": _text}),
    },
)
# ... and, in some batches, one event changed into what the rules reject or decide row by row.
_changes = st.sampled_from(
    [
        {"event_id": "not-a-uuid"},
        {"unit_id": ""},
        {"unit_id": "u" * 257},
        {"name": ""},
        {"name": "n" * 129},
        {"timestamp": (NOW + timedelta(days=2)).isoformat()},
        {"timestamp": (NOW + timedelta(hours=24)).isoformat()},
        {"value": True},
        {"value": "1"},
        {"value": 10**400},
        {"properties": {"nested": [1, {"a": None}]}},
        {"properties": ["a"]},
        {"properties": {"blob": "é" * 17_000}},
        {"colour": "red"},
    ]
)


@st.composite
def _batches(draw) -> list[dict]:
    events = draw(st.lists(_event, min_size=1, max_size=5))
    if draw(st.booleans()):
        index = draw(st.integers(0, len(events) - 1))
        events[index] = {**events[index], **draw(_changes)}
    return events


def _reference(raw: bytes) -> tuple[list, list[tuple[int, str]]]:
    """What the row-by-row rules make of the body: clean events and (index, reason)."""
    clean, rejected = [], []
    for index, event in enumerate(json.loads(raw)):
        try:
            clean.append(event_clean(event, now=NOW))
        except Rejected as reason:
            rejected.append((index, str(reason)))
    return clean, rejected


def _body(events: list[dict]) -> bytes:
    return json.dumps(events, ensure_ascii=False).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_batches())
def test_the_columnar_path_stores_what_the_row_rules_store(events):
    raw = _body(events)
    clean, rejected = _reference(raw)
    rows = batch_parse(raw)
    batch = batch_clean(rows, now=NOW) if rows is not None else None
    if batch is None:
        return  # the row-by-row rules decide this batch (the store falls back to them)
    assert rows == json.loads(raw)  # the parsed events are json.loads's, value for value
    assert rejected == []
    expected = batch_of(clean)
    assert batch.keys == expected.keys
    assert batch.columns.to_pylist() == expected.columns.to_pylist()


@pytest.mark.parametrize(
    "event",
    [
        {"value": 3},
        {"value": -0.0},
        {"value": 1e300},
        {"value": None, "properties": None},
        {"properties": {}},
        {"properties": {"a": 1, "b": 1.0, "c": True, "d": None, "e": "é\n\u2028", "f": 1e16}},
        {"properties": {"big": 123456789012345678901234567890}},
        {"event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF"},
        {"timestamp": "2026-04-30T23:59:59.5+05:30"},
        {"timestamp": "2026-04-30 01:02:03.123456-11:00"},
        {"timestamp": "2026-05-02T12:00:00Z"},  # exactly 24 hours ahead: accepted
        {"timestamp": "2026-04-30T09:30Z"},
        {"timestamp": "2026-04-30T09:30:00-23:59"},
    ],
)
def test_common_events_take_the_columnar_path_with_the_same_values(event):
    """Numbers, text, time zones and ids in the spellings senders use are stored alike."""
    base = {
        "event_id": str(uuid.uuid4()),
        "unit_id": "person-1",
        "name": "form_submitted",
        "timestamp": "2026-04-30T09:30:00Z",
    }
    raw = _body([{**base, **event}])
    rows = batch_parse(raw)
    assert rows is not None
    batch = batch_clean(rows, now=NOW)
    assert batch is not None
    clean, rejected = _reference(raw)
    assert rejected == []
    assert batch.columns.to_pylist() == batch_of(clean).columns.to_pylist()


@pytest.mark.parametrize(
    "body",
    [
        b'{"events": []}',
        b"[1]",
        b'[{"event_id": "x"}]',
        b"[" * 100 + b"]" * 100,
        b'[{"value": NaN}]',
        b'[{"event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF", "properties": {"a": {"b": 1}}}]',
        b'[{"event_id": ["6F9619FF-8B86-D011-B42D-00C04FC964FF"]}]',
        b'[{"unit_id": "\\ud800"}]',
        b"not json",
    ],
)
def test_other_bodies_go_to_the_general_parser(body):
    assert batch_parse(body) is None


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"event_id": "not-a-uuid"}, "event_id must be a UUID"),
        ({"unit_id": ""}, "unit_id must be a non-empty string of at most 256 characters"),
        ({"timestamp": "2026-05-03T12:00:00Z"}, "timestamp is more than 24 hours in the future"),
        ({"value": True}, "value must be a finite number or null"),
        ({"name": "$exposure"}, "a $exposure event needs string properties"),
        ({"properties": {"blob": "x" * 33_000}}, "properties must be at most 32768 bytes"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_one_bad_event_in_a_batch_is_rejected_by_row_and_reason_and_the_rest_stored(
    tmp_path, override, reason
):
    events = [
        {
            "event_id": str(uuid.UUID(int=i + 1)),
            "unit_id": f"unit-{i}",
            "name": "form_submitted",
            "timestamp": "2026-04-30T09:30:00Z",
            "value": float(i),
        }
        for i in range(5)
    ]
    events[3] = {**events[3], **override}
    raw = _body(events)
    store = EventStore(tmp_path / "events", clock=lambda: NOW)
    try:
        parsed = batch_parse(raw)
        result = store.accept(parsed if parsed is not None else json.loads(raw))
    finally:
        store.close()
    assert result.accepted == 4
    assert [index for index, _ in result.rejected] == [3]
    assert result.rejected[0][1].startswith(reason)


def test_a_typed_batch_and_a_plain_one_count_duplicates_alike(tmp_path):
    events = [
        {
            "event_id": str(uuid.UUID(int=i % 3 + 1)),
            "unit_id": "u",
            "name": "n",
            "timestamp": "2026-04-30T09:30:00Z",
        }
        for i in range(6)
    ]
    typed = batch_parse(_body(events))
    assert isinstance(typed, TypedRows)
    store = EventStore(tmp_path / "events", clock=lambda: NOW)
    try:
        first = store.accept(typed)
        again = store.accept(events)
        store.flush()
        stored = store.count()
    finally:
        store.close()
    assert (first.accepted, first.duplicates) == (3, 3)
    assert (again.accepted, again.duplicates) == (0, 6)
    assert stored == 3


def test_a_repeated_key_means_what_json_loads_makes_of_it():
    raw = (
        b'[{"event_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff", "unit_id": "a", "unit_id": "b",'
        b' "name": "n", "timestamp": "2026-04-30T09:30:00Z", "properties": {"x": 1, "y": 2,'
        b' "x": 3}}]'
    )
    rows = batch_parse(raw)
    assert rows is not None
    assert rows == json.loads(raw)
    batch = batch_clean(rows, now=NOW)
    assert batch is not None
    clean, _ = _reference(raw)
    assert batch.columns.to_pylist() == batch_of(clean).columns.to_pylist()
