"""The unit settings page "Warehouse": where experiments analysed in the warehouse run."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from civicloop.analytics import backends
from civicloop.analytics.warehouse import (
    unit_secret_name,
    warehouse_settings_get,
    warehouse_settings_update,
)
from civicloop.core.http import principal
from civicloop.core.permissions import Ability
from civicloop.web.acting import choose_unit, page_unit
from civicloop.web.forms import apply_errors


class WarehouseSettingsForm(forms.Form):
    url = forms.CharField(
        label=_("Warehouse URL"),
        required=False,
        max_length=500,
        help_text=_(
            "postgresql://user@host:5432/db, sc://host:15002 (Spark Connect), spark://local[2], "
            "trino://user@host:443/catalog/schema or bigquery://project/dataset. No password "
            "here. Empty: the installation's warehouse, if any."
        ),
    )
    events_table = forms.CharField(
        label=_("Events table"),
        required=False,
        max_length=200,
        help_text=_("table, schema.table or catalog.schema.table. Empty: the installation's."),
    )
    use_password = forms.BooleanField(
        label=_("The warehouse needs a password (read from the server's environment)"),
        required=False,
    )


def _redacted(url: str) -> str:
    try:
        return backends.redact(url)
    except ValueError:  # not even a URL: nothing to hide that the person did not just type
        return "" if "@" in url else url


@login_required
@require_http_methods(["GET", "POST"])
def warehouse_settings(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    unit = page_unit(request, Ability.MANAGE_SETTINGS)
    if unit is None:
        return choose_unit(request, Ability.MANAGE_SETTINGS, title=str(_("Warehouse")))
    row = warehouse_settings_get(unit=unit)
    secret = unit_secret_name(unit.pk)
    initial = {
        "url": row.url,
        "events_table": row.events_table,
        "use_password": bool(row.password_secret),
    }
    form = WarehouseSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            warehouse_settings_update(
                actor=viewer,
                unit=unit,
                url=data["url"],
                events_table=data["events_table"],
                password_secret=secret if data["use_password"] else "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Warehouse settings saved."))
            return redirect(f"{request.path}?unit={unit.pk}")
    if form.is_bound:
        # A password typed into the URL is refused and never sent back to the browser.
        data = request.POST.copy()
        data["url"] = _redacted(data.get("url", ""))
        form.data = data
    default = settings.CIVICLOOP_WAREHOUSE_URL
    return render(
        request,
        "analytics/warehouse_settings.html",
        {
            "page_title": _("Warehouse"),
            "form": form,
            "unit": unit,
            "installation_url": backends.redact(default) if default else "",
            "installation_table": settings.CIVICLOOP_WAREHOUSE_EVENTS_TABLE,
            "secret_name": secret,
            "allowed_hosts": settings.CIVICLOOP_WAREHOUSE_ALLOWED_HOSTS,
        },
    )
