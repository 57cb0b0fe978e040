"""The rules against floods, duplicate accounts, vote stuffing and spam (docs/participation.md).

Each rule is one constant here, one check in a service and one test in `tests/test_abuse.py`:

- Floods: per account and per client address, at most `LIMITS[kind]` rows of a kind in the
  last hour. Counted from the stored rows (withdrawn supports and refused text included), so a
  cleared cache or a restart does not reset them and toggling a support on and off is limited
  too. The client address is kept only as `feedback.abuse.client_key` (a daily-rotating HMAC).
- Duplicate accounts: `email_key` normalises an address (lower case; `+tag` dropped for every
  domain; dots dropped and googlemail.com read as gmail.com for Gmail), and one `email_key` is
  one citizen and one support per proposal (unique constraints).
- Vote stuffing: `STUFFING_COUNT` or more supports of one proposal from one client address and
  one e-mail domain within `STUFFING_SECONDS` seconds are all held for review and not counted
  until a moderator counts or rejects them.
- Spam: a hidden honeypot field (`feedback.abuse.HONEYPOT_FIELD`) and at most `MAX_LINKS` links
  per text (none in a title).
"""

from __future__ import annotations

import re

from django.conf import settings

WINDOW_SECONDS = 3600
# (per account, per client address) in WINDOW_SECONDS
LIMITS: dict[str, tuple[int, int]] = {
    "proposal": (3, 10),
    "comment": (10, 30),
    "support": (30, 60),
}
STUFFING_COUNT = 3
STUFFING_SECONDS = 60
MAX_LINKS = {"title": 0, "body": 2, "comment": 1}

_LINK_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|info|biz|ru|xyz)/\S*")
_GMAIL = {"gmail.com", "googlemail.com"}


def limits(kind: str) -> tuple[int, int]:
    override = getattr(settings, "CIVICLOOP", {}).get("PARTICIPATION_LIMITS", {})
    per_account, per_client = override.get(kind, LIMITS[kind])
    return int(per_account), int(per_client)


def email_key(address: str) -> str:
    """One key per mailbox: `A.Na+x@GoogleMail.com` and `ana@gmail.com` are the same person."""
    local, _, domain = address.strip().lower().rpartition("@")
    if not local:
        return address.strip().lower()
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_domain(address: str) -> str:
    return email_key(address).rpartition("@")[2]


def link_count(text: str) -> int:
    return len(_LINK_RE.findall(text or ""))
