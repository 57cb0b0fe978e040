"""Does the company sign-up's answer time tell a visitor whether an address or a company name
is taken? (issue 16). Prints the median time of each answer; asserts nothing.

    DJANGO_SETTINGS_MODULE=config.settings.test nice -n 19 .venv/bin/python bench/signup_timing.py

Posts the sign-up form through Django's test client (the full request handler) against a fresh
in-memory database, with the production password hasher (scrypt, config/settings/base.py: the
test settings' MD5 would hide the cost that matters), interleaving three cases so that load on
the machine falls on each alike:

- new: a new address and a new company (account, company and profile created, mail queued);
- taken address: an address that has an account (nothing created, the owner is mailed);
- taken name: a new address with a company name already registered (nothing created, the
  address is mailed that the name is in use).

Each of the three hashes the password once (a new sign-up to store it, the refusals to spend the
same time: `core.auth.signup_existing_address`, `signup_company_name_taken`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.ScryptPasswordHasher"]
    settings.CIVICLOOP_SIGNUP_RATE_LIMIT = 10**9
    settings.ALLOWED_HOSTS = ["*"]
    from django.core import mail
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    url = reverse("market:company_signup")

    def form(email: str, company: str) -> dict[str, str]:
        return {
            "company_name": company,
            "country": "ES",
            "founding_year": "2019",
            "staff_headcount": "12",
            "annual_turnover_eur": "1500000",
            "balance_sheet_eur": "900000",
            "full_name": "Ana Ruiz",
            "email": email,
            "password1": "a long enough passphrase 42",
            "password2": "a long enough passphrase 42",
            "language": "en",
        }

    def post(data: dict[str, str]) -> float:
        client = Client()
        start = time.perf_counter()
        response = client.post(url, data)
        elapsed = time.perf_counter() - start
        assert response.status_code == 302, response.status_code
        mail.outbox.clear()
        return elapsed * 1000

    post(form("owner@taken.example", "Registered Company SL"))  # the taken address and name
    post(form("warmup@new.example", "Warm Up SL"))
    times: dict[str, list[float]] = {"new": [], "taken address": [], "taken name": []}
    for i in range(args.rounds):
        times["new"].append(post(form(f"new{i}@new.example", f"New Company {i} SL")))
        times["taken address"].append(post(form("owner@taken.example", f"Other {i} SL")))
        times["taken name"].append(post(form(f"t{i}@new.example", "registered company sl")))
    print(f"company sign-up, {args.rounds} rounds, scrypt hasher; median (min-max) in ms")
    base = statistics.median(times["new"])
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"  {name:14s} {median:7.1f} ms  ({min(values):.1f}-{max(values):.1f})  "
            f"{median / base:5.2f} x new"
        )


if __name__ == "__main__":
    main()
