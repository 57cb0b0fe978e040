"""Impact report pages, the executive summary (HTML and PDF) and shared links."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.http import principal
from civicloop.core.permissions import Ability, can
from civicloop.evidence import charts, forms, labels, selectors, services
from civicloop.evidence.models import LinkDocument
from civicloop.evidence.report import ImpactReport
from civicloop.portfolio import selectors as portfolio_selectors
from civicloop.portfolio.models import Stage
from civicloop.web.exports import csv_response, json_document
from civicloop.web.forms import apply_errors
from civicloop.web.pagination import page_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not (
        viewer.units_with(Ability.VIEW_PORTFOLIO) or viewer.agencies_with(Ability.VIEW_PORTFOLIO)
    ):
        raise Http404("Not found")
    problems = page_of(request, portfolio_selectors.problem_rows(viewer=viewer))
    return render(
        request,
        "evidence/home.html",
        {
            "page_title": _("Evidence and impact"),
            "problems": problems,
            "page": problems,
            "stage_labels": dict(Stage.choices),
        },
    )


def _report_context(report: ImpactReport) -> dict:
    built = charts.report_charts(report)
    effects_spec, effects_rows = built["effects"]
    kpi_spec, kpi_rows = built["kpi"]
    savings_spec, savings_rows = built["savings"]
    return {
        "report": report,
        "effects_spec": effects_spec,
        "effects_rows": effects_rows,
        "kpi_spec": kpi_spec,
        "kpi_rows": kpi_rows,
        "savings_spec": savings_spec,
        "savings_rows": savings_rows,
        "savings_title": _("Annual savings with 95% interval"),
        "stage_labels": dict(Stage.choices),
        **labels.TEMPLATE_HELPERS,
    }


@login_required
def report(request: HttpRequest, pk: int, service: str | None = None) -> HttpResponse:
    viewer = principal(request)
    result = selectors.impact_report_get(viewer=viewer, problem_id=pk, service=service)
    problem = portfolio_selectors.problem_get(viewer=viewer, pk=pk)
    if request.GET.get("format") == "json":
        services.impact_report_export(actor=viewer, problem=problem, fmt="json")
        return json_document(f"impact-{pk}.json", result.to_dict())
    can_share = can(viewer, Ability.SHARE_REPORT, unit_id=problem.unit_id)
    return render(
        request,
        "evidence/report.html",
        {
            **_report_context(result),
            "page_title": _("Impact report: %(t)s") % {"t": problem.title},
            "problem": problem,
            "service": service,
            "can_edit": can(viewer, Ability.EDIT_EVIDENCE, unit_id=problem.unit_id),
            "can_share": can_share,
            "share_form": forms.ShareForm(),
            "links": selectors.shared_link_list(viewer=viewer, problem=problem)
            if can_share
            else [],
        },
    )


def _summary_html(
    request: HttpRequest, result: ImpactReport, *, public: bool, pdf_url: str, language: str
) -> HttpResponse:
    with translation.override(language):
        return render(
            request,
            "evidence/summary.html",
            {
                "page_title": _("Executive summary: %(t)s") % {"t": result.inputs.title},
                "report": result,
                "public": public,
                "pdf_url": pdf_url,
                "stage_labels": dict(Stage.choices),
                "language": language,
                **labels.TEMPLATE_HELPERS,
            },
        )


def pdf_from_html(html: str) -> bytes:
    """Render HTML to PDF without fetching anything: the report is self-contained (inline SVG,
    system fonts), so no URL in it (``file://``, ``http://``...) may reach the disk or network."""
    import weasyprint  # imported here: only PDF requests pay for it
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=("data",))
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def _summary_pdf(result: ImpactReport, *, language: str, filename: str) -> HttpResponse:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    with translation.override(language):
        html = render_to_string(
            "evidence/summary_print.html",
            {
                "report": result,
                "charts": charts.summary_charts(result),
                "stage_labels": dict(Stage.choices),
                "language": language,
                **labels.TEMPLATE_HELPERS,
            },
        )
    pdf = pdf_from_html(html)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _lang(request: HttpRequest, default: str) -> str:
    lang = request.GET.get("lang", default)
    return lang if lang in services.LANGUAGES else default


@login_required
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    result = selectors.impact_report_get(viewer=principal(request), problem_id=pk)
    lang = _lang(request, translation.get_language() or "en")
    return _summary_html(
        request,
        result,
        public=False,
        language=lang,
        pdf_url=reverse("evidence:summary_pdf", args=[pk]) + f"?lang={lang}",
    )


@login_required
def summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    result = selectors.impact_report_get(viewer=principal(request), problem_id=pk)
    lang = _lang(request, translation.get_language() or "en")
    return _summary_pdf(result, language=lang, filename=f"impact-summary-{pk}-{lang}.pdf")


def _shared(request: HttpRequest, token: str, document: str):
    try:
        link = services.shared_link_open(
            token=token, document=document, language=request.GET.get("lang", "")
        )
    except services.LinkGone:
        return None, render(
            request,
            "evidence/link_gone.html",
            {"page_title": _("This link no longer works")},
            status=410,
        )
    if link is None:
        raise Http404("Not found")
    return link, None


def shared_summary(request: HttpRequest, token: str) -> HttpResponse:
    """The executive summary for someone without an account, through a live shared link."""
    link, gone = _shared(request, token, LinkDocument.PAGE)
    if gone is not None:
        return gone
    result = selectors.impact_report_for_problem(problem=link.problem)
    lang = _lang(request, link.language)
    response = _summary_html(
        request,
        result,
        public=True,
        language=lang,
        pdf_url=reverse("evidence:shared_pdf", args=[token]) + f"?lang={lang}",
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def shared_summary_pdf(request: HttpRequest, token: str) -> HttpResponse:
    link, gone = _shared(request, token, LinkDocument.PDF)
    if gone is not None:
        return gone
    result = selectors.impact_report_for_problem(problem=link.problem)
    lang = _lang(request, link.language)
    response = _summary_pdf(result, language=lang, filename=f"impact-summary-{lang}.pdf")
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def share_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    problem = portfolio_selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.SHARE_REPORT)
    form = forms.ShareForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(f"{form[f].label}: {e}" for f, es in form.errors.items() for e in es)
        )
        return redirect("evidence:report", pk)
    new = services.shared_link_create(actor=viewer, problem=problem, **form.cleaned_data)
    url = request.build_absolute_uri(reverse("evidence:shared", args=[new.token]))
    messages.success(
        request, _("Link created. Copy it now, it is shown only once: %(url)s") % {"url": url}
    )
    return redirect("evidence:report", pk)


@login_required
@require_POST
def share_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    viewer = principal(request)
    link = selectors.shared_link_get(viewer=viewer, pk=link_id)
    services.shared_link_revoke(actor=viewer, link=link)
    messages.success(request, _("Link revoked."))
    return redirect("evidence:report", link.problem_id)


VIEWS_SHOWN = 500


@login_required
def share_views(request: HttpRequest, link_id: int) -> HttpResponseBase:
    """Who opened a shared link, as far as we know it: when, and the page or the PDF."""
    viewer = principal(request)
    link, views = selectors.shared_link_views(viewer=viewer, link_id=link_id)
    if request.GET.get("format") == "csv":
        return csv_response(
            f"shared-link-{link.prefix}-views.csv",
            ["viewed_at", "document", "language", "link_prefix", "problem_id"],
            (
                (v.viewed_at.isoformat(), v.document, v.language, link.prefix, v.problem_id)
                for v in views.iterator()
            ),
        )
    total = views.count()
    return render(
        request,
        "evidence/link_views.html",
        {
            "page_title": _("Views of shared link %(prefix)s…") % {"prefix": link.prefix},
            "link": link,
            "problem": link.problem,
            "views": list(views[:VIEWS_SHOWN]),
            "total": total,
            "shown": min(total, VIEWS_SHOWN),
            "documents": dict(LinkDocument.choices),
            "language_names": dict(settings.LANGUAGES),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def effect_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    problem = portfolio_selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.EDIT_EVIDENCE)
    form = forms.EffectEstimateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.effect_estimate_record(actor=viewer, problem=problem, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Effect recorded."))
            return redirect("evidence:report", pk)
    return render(
        request,
        "evidence/effect_form.html",
        {
            "page_title": _("Record an effect"),
            "form": form,
            "problem": problem,
        },
        status=422 if form.errors else 200,
    )


def _figures_view(request: HttpRequest, pk: int, *, form_class, service, title: str, done: str):
    viewer = principal(request)
    problem = portfolio_selectors.problem_get(viewer=viewer, pk=pk, ability=Ability.EDIT_EVIDENCE)
    # The report's "enter … for <service>" links name the service, so the form opens on it.
    initial = {"service_name": request.GET["service"]} if "service" in request.GET else None
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=viewer, problem=problem, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("evidence:report", pk)
    return render(
        request,
        "evidence/effect_form.html",
        {
            "page_title": title,
            "form": form,
            "problem": problem,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_figures(request: HttpRequest, pk: int) -> HttpResponse:
    return _figures_view(
        request,
        pk,
        form_class=forms.ServiceFiguresForm,
        service=services.service_figures_set,
        title=_("Record service volume and costs"),
        done=_("Figures saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def theme_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _figures_view(
        request,
        pk,
        form_class=forms.ThemeForm,
        service=services.citizen_theme_record,
        title=_("Record what citizens said"),
        done=_("Theme recorded."),
    )
