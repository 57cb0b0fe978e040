"""allauth's e-mail (password reset, address verification) sent through the task queue."""

from __future__ import annotations

from typing import Any

from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site

from civicloop.core.auth import AccountAdapter
from civicloop.people.mail import mail_enqueue


class PeopleAccountAdapter(AccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Rendered in the request's language; a mail server that is down or slow never turns
        # the page into a 500 (it used to: allauth sent inline over SMTP).
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        mail_enqueue(self.render_mail(template_prefix, email, ctx))
