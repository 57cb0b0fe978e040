import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction

from civicloop.core.audit import audit_record, audit_verify, compute_hash
from civicloop.core.models import AuditEvent


def _events(world, n=5):
    for i in range(n):
        audit_record(
            actor=world.principal("staff"),
            action="test.something",
            organization=world.unit,
            after={"i": i, "amount": "12.50"},
        )


def test_chain_verifies_and_links_each_event_to_the_previous(world):
    _events(world)
    report = audit_verify()
    assert report.ok and report.checked == AuditEvent.objects.count()
    events = list(AuditEvent.objects.order_by("sequence"))
    for before, after in zip(events, events[1:], strict=False):
        assert after.previous_hash == before.hash
        assert after.sequence == before.sequence + 1
    assert all(compute_hash(e) == e.hash for e in events)


def test_database_refuses_to_change_or_delete_an_event(world):
    _events(world, 2)
    event = AuditEvent.objects.latest("pk")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    if connection.vendor == "postgresql":
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()


def test_a_removed_event_breaks_the_chain(world):
    _events(world, 4)
    if connection.vendor == "postgresql":
        _drop_guard()
    victim = AuditEvent.objects.order_by("sequence")[1]
    AuditEvent.objects.filter(pk=victim.pk).delete()
    report = audit_verify()
    assert not report.ok and report.first_broken_sequence == victim.sequence + 1


def _drop_guard():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER core_auditevent_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditevent_no_change ON core_auditevent")


def test_verify_reports_the_first_altered_event(world):
    _events(world, 6)
    target = AuditEvent.objects.order_by("sequence")[3]
    _drop_guard()  # an attacker with database access bypasses the trigger
    AuditEvent.objects.filter(pk=target.pk).update(after={"i": 999})
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_sequence == target.sequence
    assert "altered" in report.reason
    with pytest.raises(CommandError, match=f"broken at event {target.sequence}"):
        call_command("audit", "verify")


def test_command_reports_an_intact_chain(world, capsys):
    _events(world, 3)
    call_command("audit", "verify")
    assert "Audit chain intact" in capsys.readouterr().out
