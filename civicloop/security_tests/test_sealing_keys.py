"""Sealed proposals do not depend on SECRET_KEY (issue 12, finding 9; review F1 "Impact").

Proposals are sealed under CIVICLOOP_SEALING_KEYS through MultiFernet. Changing SECRET_KEY
never makes one unreadable; a new primary key, `civicloop keys rotate` and dropping the old key
keep every proposal readable; values sealed under the old SECRET_KEY-derived key stay readable
until rotated; a missing key is a clear 503, never a server error.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client

from civicloop.core.models import AuditEvent
from civicloop.core.permissions import principal_for_person
from civicloop.market import sealing, services
from civicloop.market.models import ProposalFile, SealedContent
from civicloop.market.tests.conftest import market  # noqa: F401 - the fixture
from civicloop.market.tests.factories import CANARY, PDF_BYTES, close_submissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(world, market):  # noqa: F811
    """The market's proposal with an attachment, after the deadline; a key of the unit."""
    services.proposal_file_add(
        actor=principal_for_person(world.people["vendor"]),
        proposal=market.proposal,
        name="offer.pdf",
        data=PDF_BYTES,
    )
    close_submissions(market.challenge, world=world)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world.api_key()}")
    file_id = market.proposal.files.get().pk
    attachment = client.get(f"/api/v1/market/proposal-files/{file_id}")
    assert attachment.status_code == 200
    return client, market.proposal, file_id, attachment.content


def _readable(client, proposal, file_id, attachment: bytes) -> None:
    content = client.get(f"/api/v1/market/proposals/{proposal.pk}/content")
    assert content.status_code == 200, content.content
    assert CANARY in content.json()["content"]
    download = client.get(f"/api/v1/market/proposal-files/{file_id}")
    assert download.status_code == 200
    assert download.content == attachment


def test_changing_secret_key_leaves_proposals_readable(opened, settings):
    settings.SECRET_KEY = "a-new-secret-key-after-an-incident-" + "x" * 30
    settings.SECRET_KEY_FALLBACKS = []
    _readable(*opened)


def test_new_primary_key_rotate_and_drop_the_old_key(opened, settings):
    client, proposal, file_id, attachment = opened
    old = list(settings.CIVICLOOP_SEALING_KEYS)
    new = Fernet.generate_key().decode()
    settings.CIVICLOOP_SEALING_KEYS = [new, *old]
    _readable(*opened)  # both keys open while rotating

    out = StringIO()
    call_command("keys", "rotate", "--no-progress", stdout=out)
    assert "re-sealed 2 values and 1 files" in out.getvalue()
    new_id = sealing.key_id(new)
    assert sealing.sealed_key_id(SealedContent.objects.get(proposal=proposal).ciphertext) == new_id

    again = StringIO()
    call_command("keys", "rotate", "--no-progress", stdout=again)  # idempotent
    assert "re-sealed 0 values and 0 files; 2 values and 1 files were already" in again.getvalue()

    settings.CIVICLOOP_SEALING_KEYS = [new]
    settings.SECRET_KEY = "changed-as-well-" + "y" * 40
    _readable(client, proposal, file_id, attachment)
    rotated = AuditEvent.objects.filter(action="market.sealing_keys_rotated")
    assert rotated.count() == 2
    latest = rotated.first()
    assert latest is not None
    assert latest.metadata["primary_key_id"] == new_id
    per_unit = AuditEvent.objects.get(action="market.sealed_resealed")
    assert per_unit.organization_id == proposal.challenge.unit_id


def _legacy_token(secret_key: str, data: bytes) -> bytes:
    """What the sealing module wrote before this change: Fernet under HKDF(SECRET_KEY)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"civicloop.market.sealed-proposals.v1",
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(raw)).encrypt(data)


def test_proposals_sealed_before_the_key_list_open_until_rotated(opened, settings):
    client, proposal, file_id, attachment = opened
    sealed = SealedContent.objects.get(proposal=proposal)
    text = sealing.unseal(sealed.ciphertext)
    SealedContent.objects.filter(pk=sealed.pk).update(
        ciphertext=_legacy_token(settings.SECRET_KEY, text)
    )
    _readable(*opened)
    listing = StringIO()
    call_command("keys", "list", stdout=listing)
    assert "sealed in the legacy format" in listing.getvalue()

    call_command("keys", "rotate", "--no-progress", stdout=StringIO())
    assert sealing.sealed_key_id(SealedContent.objects.get(pk=sealed.pk).ciphertext) == (
        sealing.configured_keys()[0].key_id
    )
    settings.SECRET_KEY = "rotated-after-the-upgrade-" + "z" * 40
    _readable(*opened)


def test_old_secret_key_as_fallback_opens_legacy_values(opened, settings):
    client, proposal, file_id, attachment = opened
    sealed = SealedContent.objects.get(proposal=proposal)
    old_secret = settings.SECRET_KEY
    SealedContent.objects.filter(pk=sealed.pk).update(
        ciphertext=_legacy_token(old_secret, sealing.unseal(sealed.ciphertext))
    )
    settings.SECRET_KEY = "new-secret-" + "w" * 50
    settings.SECRET_KEY_FALLBACKS = []
    answer = client.get(f"/api/v1/market/proposals/{proposal.pk}/content")
    assert answer.status_code == 503
    assert "SECRET_KEY_FALLBACKS" in answer.json()["detail"]
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    _readable(*opened)


def test_a_missing_key_is_a_clear_error_not_a_server_error(opened, settings, world):
    client, proposal, file_id, _ = opened
    sealed_with = sealing.configured_keys()[0].key_id
    settings.CIVICLOOP_SEALING_KEYS = [Fernet.generate_key().decode()]

    content = client.get(f"/api/v1/market/proposals/{proposal.pk}/content")
    assert content.status_code == 503
    assert content["Content-Type"].startswith("application/problem+json")
    assert sealed_with in content.json()["detail"]
    assert "CIVICLOOP_SEALING_KEYS" in content.json()["detail"]
    download = client.get(f"/api/v1/market/proposal-files/{file_id}")
    assert download.status_code == 503

    page = world.client("staff").get(f"/market/proposals/{proposal.pk}/")
    assert page.status_code == 200
    assert sealed_with in page.content.decode()
    assert world.client("staff").get(f"/market/files/{file_id}/").status_code == 503

    before = bytes(SealedContent.objects.get(proposal=proposal).ciphertext)
    with pytest.raises(CommandError, match="could not be opened|left as they were"):
        call_command("keys", "rotate", "--no-progress", stdout=StringIO(), stderr=StringIO())
    assert bytes(SealedContent.objects.get(proposal=proposal).ciphertext) == before
    assert ProposalFile.objects.filter(pk=file_id).exists()


def test_key_ids_are_stable_and_not_secret(settings):
    key = Fernet.generate_key()
    expected = hashlib.sha256(base64.urlsafe_b64decode(key)).hexdigest()[:8]
    assert sealing.key_id(key) == sealing.key_id(key.decode()) == expected
    settings.CIVICLOOP_SEALING_KEYS = [key.decode()]
    listing = StringIO()
    call_command("keys", "list", stdout=listing)
    line = next(row for row in listing.getvalue().splitlines() if row.startswith(expected))
    assert "primary" in line
    assert key.decode() not in listing.getvalue()


def test_generate_prints_a_usable_key():
    out = StringIO()
    call_command("keys", "generate", stdout=out, stderr=StringIO())
    Fernet(out.getvalue().strip().encode())


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "CIVICLOOP_SEALING_KEYS is not set"),
        (["not-a-key"], "entry 1 is not a Fernet key"),
        ([Fernet.generate_key().decode()] * 2, "entry 2 repeats key"),
    ],
)
def test_a_bad_key_list_is_refused_by_name(settings, keys, message):
    settings.CIVICLOOP_SEALING_KEYS = keys
    with pytest.raises(ImproperlyConfigured, match=message):
        sealing.configured_keys()


def test_production_refuses_to_start_without_sealing_keys(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if k not in {"CIVICLOOP_SEALING_KEYS", "DATABASE_URL"}
    }
    env.update(
        SECRET_KEY="s" * 50,
        CIVICLOOP_FIELD_KEYS=Fernet.generate_key().decode(),
        CIVICLOOP_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="config.settings.production",
    )
    code = "import django; django.setup()"
    refused = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "CIVICLOOP_SEALING_KEYS is not set" in refused.stderr
    assert "civicloop keys generate" in refused.stderr
    env["CIVICLOOP_SEALING_KEYS"] = Fernet.generate_key().decode()
    started = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert started.returncode == 0, started.stderr
