"""A citizen's own pages: sign up (e-mail verification is mandatory), propose, see and appeal."""

from __future__ import annotations

from allauth.account import app_settings as allauth_settings
from allauth.account.internal import flows
from allauth.account.views import SignupView
from allauth.core.exceptions import ImmediateHttpResponse
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.auth import signup_existing_address
from civicloop.core.http import principal
from civicloop.feedback.abuse import client_hashes, honeypot_filled
from civicloop.participation import forms, selectors, services
from civicloop.participation.models import Comment, Proposal
from civicloop.participation.views._common import refused, request_citizen
from civicloop.web.forms import apply_errors


class CitizenSignupView(SignupView):
    """allauth's sign-up, open for citizens only here, with verification always required.

    Staff sign-up stays closed (`core.auth.AccountAdapter`); this page creates a person with no
    role in any organisation and a citizen profile, and signs them in only after they follow the
    link in the verification mail.
    """

    template_name = "participation/signup.html"
    form_class = forms.CitizenSignupForm

    def get_form_class(self):  # type: ignore[no-untyped-def]
        return forms.CitizenSignupForm

    def is_open(self) -> bool:
        return True

    def get_success_url(self) -> str:
        return reverse("participation:propose")

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        context = super().get_context_data(**kwargs)
        context["page_title"] = _("Sign up to take part")
        return context

    def form_valid(self, form) -> HttpResponseBase:  # type: ignore[no-untyped-def]
        if honeypot_filled(self.request.POST):
            return redirect("account_email_verification_sent")
        if form.account_already_exists:
            # The answer of a new sign-up, and a mail to the owner: no account enumeration.
            return signup_existing_address(
                self.request, form.cleaned_data["email"], form.cleaned_data.get("password1", "")
            )
        self.user, response = form.try_save(self.request)
        if response:
            return response
        try:
            return flows.signup.complete_signup(
                self.request,
                user=self.user,
                email_verification=allauth_settings.EmailVerificationMethod.MANDATORY,
                redirect_url=self.get_success_url(),
            )
        except ImmediateHttpResponse as error:
            return error.response


signup = CitizenSignupView.as_view()


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest) -> HttpResponse:
    citizen = request_citizen(request)
    try:
        services.verified_citizen(request.user)  # type: ignore[arg-type]
    except services.NotACitizen as error:
        return refused(request, str(error), status=403)
    units = selectors.open_units()
    initial = {"language": citizen.language if citizen else (get_language() or "en")[:2]}
    form = forms.ProposalForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and honeypot_filled(request.POST):
        messages.success(request, _("Thank you: your proposal will be published after moderation."))
        return redirect("participation:mine")
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_submit(
                actor=principal(request),
                unit_id=form.cleaned_data["unit_id"],
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                language=form.cleaned_data["language"],
                **client_hashes(request),
            )
        except services.RateLimited as error:
            return refused(request, error.message, status=429)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Thank you: your proposal will be published after moderation.")
            )
            return redirect("participation:mine")
    return render(
        request,
        "participation/propose.html",
        {"page_title": _("Propose a problem or an idea"), "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    citizen = request_citizen(request)
    if citizen is None:
        return redirect("participation:signup")
    return render(
        request,
        "participation/mine.html",
        {
            "page_title": _("Your proposals and comments"),
            "citizen": citizen,
            "verified": services.email_verified(request.user),  # type: ignore[arg-type]
            "proposals": selectors.citizen_proposals(citizen=citizen),
            "comments": selectors.citizen_comments(citizen=citizen),
            "form": forms.AppealForm(),
        },
    )


def _appeal(request: HttpRequest, target: Proposal | Comment) -> HttpResponse:
    form = forms.AppealForm(request.POST)
    if form.is_valid():
        try:
            if isinstance(target, Proposal):
                services.proposal_appeal(
                    actor=principal(request), proposal=target, text=form.cleaned_data["appeal_text"]
                )
            else:
                services.comment_appeal(
                    actor=principal(request), comment=target, text=form.cleaned_data["appeal_text"]
                )
        except services.NotACitizen as error:
            return refused(request, str(error), status=403)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your appeal is sent: a moderator will look again."))
    else:
        messages.error(request, _("Say why it should be published."))
    return redirect("participation:mine")


@login_required
@require_POST
def proposal_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = request_citizen(request)
    if citizen is None:
        raise Http404("Not found")
    return _appeal(request, selectors.citizen_proposal_get(citizen=citizen, pk=pk))


@login_required
@require_POST
def comment_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    citizen = request_citizen(request)
    if citizen is None:
        raise Http404("Not found")
    return _appeal(request, selectors.citizen_comment_get(citizen=citizen, pk=pk))
