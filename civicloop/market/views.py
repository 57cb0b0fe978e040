"""Market pages. Views parse, call one service or selector, and render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civicloop.core.audit import audit_record
from civicloop.core.http import principal
from civicloop.core.models import Organization, OrganizationKind, Role
from civicloop.core.permissions import Ability
from civicloop.market import forms, metrics, sealing, selectors, services
from civicloop.market.charts import bar_chart
from civicloop.market.events import MarketEvent
from civicloop.market.models import Award, ChallengeStatus, Contract, Question
from civicloop.portfolio.selectors import problem_get, problem_list
from civicloop.web.exports import csv_response, json_response, safe_filename


def _apply_errors(form, error: ValidationError) -> None:
    for name, msgs in error.message_dict.items():
        form.add_error(name if name in form.fields else None, msgs)


def _vendor(request: HttpRequest) -> Organization | None:
    own = sorted(principal(request).organizations([Role.VENDOR]))
    return Organization.objects.get(pk=own[0]) if own else None


def home(request: HttpRequest) -> HttpResponse:
    """Public list of published challenges; signed-in people also see what they can act on."""
    viewer = principal(request)
    context = {
        "page_title": _("Open innovation market"),
        "challenges": selectors.challenge_list_public(),
        "is_unit": bool(viewer.units_with(Ability.VIEW_MARKET)),
        "can_manage": bool(viewer.units_with(Ability.MANAGE_MARKET)),
        "can_submit_need": bool(viewer.agencies_with(Ability.SUBMIT_NEED))
        or bool(viewer.units_with(Ability.MANAGE_MARKET)),
        "vendor": _vendor(request),
        "own_challenges": selectors.challenge_list(viewer=viewer).filter(
            unit_id__in=sorted(viewer.units_with(Ability.VIEW_MARKET))
        ),
        "proposals": selectors.proposal_list(viewer=viewer) if viewer.is_authenticated else [],
    }
    return render(request, "market/home.html", context)


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published challenge's public page (no sign-in); the unit also sees its drafts."""
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk)
    vendor = _vendor(request)
    return render(
        request,
        "market/challenge_detail.html",
        {
            "page_title": challenge.title,
            "challenge": challenge,
            "phases": selectors.phases_of(challenge=challenge),
            "criteria": selectors.criteria_of(challenge=challenge),
            "questions": selectors.question_list_public(challenge=challenge),
            "changes": [
                (change, forms.change_field_label(change.field))
                for change in challenge.changes.all()
            ],
            "proposal_count": selectors.proposal_count(challenge=challenge),
            "vendor": vendor,
            "can_manage": challenge.unit_id in viewer.units_with(Ability.MANAGE_MARKET),
            "contracts": list(
                selectors.contract_list(viewer=viewer).filter(award__challenge=challenge)
            ),
            "question_form": forms.TextForm(),
            "attachment_files": services.attachment_limits()[0],
            "attachment_mb": services.format_mb(services.attachment_limits()[1]),
        },
    )


@login_required
@require_POST
def question_ask(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = selectors.challenge_get_public(pk=pk)
    vendor = _vendor(request)
    if vendor is None:
        raise Http404("Not found")
    form = forms.TextForm(request.POST)
    if form.is_valid():
        try:
            kind = request.POST.get("kind")
            if kind == "rfi":
                services.rfi_respond(
                    actor=principal(request),
                    challenge=challenge,
                    vendor=vendor,
                    text=form.cleaned_data["text"],
                )
                messages.success(request, _("Thank you: your response was recorded."))
            else:
                services.question_ask(
                    actor=principal(request),
                    challenge=challenge,
                    vendor=vendor,
                    text=form.cleaned_data["text"],
                )
                messages.success(request, _("Question sent. The answer will be public."))
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
    return redirect("market:challenge", challenge.pk)


@login_required
@require_http_methods(["GET", "POST"])
def need_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    agencies = list(
        Organization.objects.filter(pk__in=viewer.agencies_with(Ability.SUBMIT_NEED))
        | Organization.objects.filter(
            unit_id__in=viewer.units_with(Ability.MANAGE_MARKET), kind=OrganizationKind.AGENCY
        )
    )
    needs = list(selectors.need_list(viewer=viewer).order_by("-created_at", "-pk"))
    if not agencies and not needs and not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    form = forms.NeedForm(
        request.POST or None,
        agencies=agencies,
        problems=problem_list(viewer=viewer) if agencies else [],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        agency = next(a for a in agencies if a.pk == data["agency"])
        problem = None
        if data["problem"]:
            problem = problem_get(viewer=viewer, pk=data["problem"])
        try:
            services.need_submit(
                actor=viewer,
                agency=agency,
                title=data["title"],
                what_is_wrong=data["what_is_wrong"],
                who_is_affected=data["who_is_affected"],
                current_cost=data["current_cost"],
                currency=data["currency"],
                constraints=data["constraints"],
                problem=problem,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Need submitted to the unit."))
            return redirect("market:needs")
    return render(
        request,
        "market/needs.html",
        {
            "page_title": _("Innovation needs"),
            "needs": needs,
            "form": form if agencies else None,
            "pairs": selectors.need_similar_pairs(viewer=viewer),
            "can_merge": bool(viewer.units_with(Ability.MANAGE_MARKET)),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_POST
def need_merge(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    ids = [int(i) for i in request.POST.getlist("need") if i.isdigit()]
    needs = list(selectors.need_list(viewer=viewer).filter(pk__in=ids))
    try:
        challenge = services.needs_merge(
            actor=viewer, needs=needs, title=request.POST.get("title") or None
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("market:needs")
    messages.success(request, _("Needs merged into a draft challenge."))
    return redirect("market:manage", challenge.pk)


@login_required
@require_http_methods(["GET", "POST"])
def challenge_create(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    units = sorted(viewer.units_with(Ability.MANAGE_MARKET))
    if not units:
        raise Http404("Not found")
    form = forms.ChallengeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.challenge_create(
                actor=viewer, unit=Organization.objects.get(pk=units[0]), **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Challenge drafted."))
            return redirect("market:manage", challenge.pk)
    return render(
        request,
        "market/form.html",
        {
            "page_title": _("Draft a challenge"),
            "form": form,
            "submit": _("Save draft"),
            "back": "/market/",
        },
    )


EDITABLE_STATUSES = (ChallengeStatus.DRAFT, ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN)


def _as_shown(value):
    # What a datetime-local input shows and sends back: local time without microseconds, so an
    # untouched deadline does not count as a change.
    return timezone.localtime(value).replace(microsecond=0) if value else None


@login_required
@require_http_methods(["GET", "POST"])
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a challenge through the same service as the API; once published, with a reason."""
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_MARKET)
    problems = [p for p in problem_list(viewer=viewer) if p.unit_id == challenge.unit_id]
    initial = {name: getattr(challenge, name) for name in services.EDITABLE_FIELDS}
    initial["problem"] = challenge.problem_id
    initial["consultation_closes_at"] = _as_shown(challenge.consultation_closes_at)
    initial["submission_deadline"] = _as_shown(challenge.submission_deadline)
    editable = challenge.status in EDITABLE_STATUSES
    refusal = None
    if request.method == "POST" and not editable:
        # The service states the rule (nothing changes after the deadline); no form to show.
        try:
            services.challenge_update(actor=viewer, challenge=challenge)
        except ValidationError as error:
            refusal = "; ".join(error.messages)
    form = forms.ChallengeEditForm(
        request.POST if editable and request.method == "POST" else None,
        initial=initial,
        problems=problems,
    )
    if request.method == "POST" and editable and form.is_valid():
        changes = form.changes()
        if "problem" in changes and changes["problem"] is not None:
            changes["problem"] = problem_get(viewer=viewer, pk=changes["problem"])
        logged_before = challenge.changes.count()
        try:
            services.challenge_update(
                actor=viewer, challenge=challenge, reason=form.cleaned_data["reason"], **changes
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            if not changes:
                messages.info(request, _("Nothing changed."))
            elif challenge.changes.count() > logged_before:
                messages.success(
                    request, _("Challenge changed; the change and its reason are public.")
                )
            else:
                messages.success(request, _("Challenge changed."))
            return redirect("market:manage", challenge.pk)
    return render(
        request,
        "market/challenge_edit.html",
        {
            "page_title": _("Edit challenge"),
            "challenge": challenge,
            "form": form,
            "editable": editable,
            "refusal": refusal,
        },
        status=422 if form.errors or refusal else 200,
    )


def _manage_context(request: HttpRequest, challenge, **extra) -> dict:
    viewer = principal(request)
    return {
        "page_title": challenge.title,
        "challenge": challenge,
        "phases": selectors.phases_of(challenge=challenge),
        "criteria": selectors.criteria_of(challenge=challenge),
        "proposals": selectors.proposal_list(viewer=viewer, challenge_id=challenge.pk),
        "proposal_count": selectors.proposal_count(challenge=challenge),
        "unanswered": selectors.question_list_unanswered(viewer=viewer, challenge=challenge),
        "ranking": selectors.ranking(viewer=viewer, challenge=challenge),
        "divergences": selectors.moderation(viewer=viewer, challenge=challenge),
        "matches": selectors.vendor_matches(
            viewer=viewer, challenge=challenge, verified_only=False
        )[:10],
        "deadline_passed": selectors.deadline_passed(challenge),
        "phase_form": extra.pop("phase_form", forms.PhaseForm()),
        "criteria_form": extra.pop("criteria_form", forms.CriteriaForm()),
        "status_form": forms.StatusForm(),
        "republish_form": forms.RepublishForm(),
        "republished_as": challenge.changes.filter(field="republished_as").last(),
        "awards": list(Award.objects.filter(challenge=challenge).select_related("proposal")),
        "contracts": {c.award_id: c for c in Contract.objects.filter(award__challenge=challenge)},
        "editable": challenge.status in EDITABLE_STATUSES,
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def challenge_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit's workspace for one challenge: set-up, consultation, proposals, evaluation."""
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.MANAGE_MARKET)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "phase":
                form = forms.PhaseForm(request.POST)
                if form.is_valid():
                    services.phase_set(actor=viewer, challenge=challenge, **form.cleaned_data)
            elif action == "criteria":
                criteria_form = forms.CriteriaForm(request.POST)
                specs = criteria_form.specs() if criteria_form.is_valid() else None
                if specs is not None:
                    services.criteria_set(actor=viewer, challenge=challenge, criteria=specs)
                else:
                    raise ValidationError(
                        {"criteria": criteria_form.errors.get("criteria", [""])[0]}
                    )
            elif action == "status":
                services.challenge_move(
                    actor=viewer,
                    challenge=challenge,
                    to_status=request.POST.get("to_status", ""),
                    reason=request.POST.get("reason", ""),
                )
            elif action == "republish":
                republish_form = forms.RepublishForm(request.POST)
                if not republish_form.is_valid():
                    raise ValidationError(
                        {"submission_deadline": republish_form.errors["submission_deadline"]}
                    )
                copy = services.challenge_republish(
                    actor=viewer,
                    challenge=challenge,
                    submission_deadline=republish_form.cleaned_data["submission_deadline"],
                )
                messages.success(
                    request, _("Re-published as a new draft: check it and publish it.")
                )
                return redirect("market:manage", copy.pk)
            elif action == "answer":
                question = Question.objects.filter(
                    challenge=challenge, pk=request.POST.get("question") or 0
                ).first()
                if question is None:
                    raise Http404("Not found")
                services.question_answer(
                    actor=viewer, question=question, answer=request.POST.get("answer", "")
                )
            elif action == "invite":
                vendor = Organization.objects.filter(
                    pk=request.POST.get("vendor") or 0, kind=OrganizationKind.COMPANY
                ).first()
                if vendor is None:
                    raise Http404("Not found")
                services.vendor_invite(actor=viewer, challenge=challenge, vendor=vendor)
            elif action == "award":
                proposal = selectors.proposal_get(
                    viewer=viewer, pk=int(request.POST.get("proposal") or 0)
                )
                services.award_decide(
                    actor=viewer,
                    proposal=proposal,
                    amount=request.POST.get("amount") or "0",
                    rationale=request.POST.get("rationale", ""),
                )
            elif action == "feedback":
                proposal = selectors.proposal_get(
                    viewer=viewer, pk=int(request.POST.get("proposal") or 0)
                )
                services.feedback_send(
                    actor=viewer, proposal=proposal, text=request.POST.get("text", "")
                )
            else:
                raise ValidationError({"action": "Unknown action."})
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        except (ValueError, ArithmeticError):
            messages.error(request, _("Check the numbers you entered."))
        else:
            messages.success(request, _("Saved."))
        return redirect("market:manage", challenge.pk)
    return render(request, "market/manage.html", _manage_context(request, challenge))


@login_required
def ranking_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The ranking as CSV or JSON; vendor names are masked exactly as on the page."""
    if fmt not in ("csv", "json"):
        raise Http404("Not found")
    viewer = principal(request)
    challenge = selectors.challenge_get(viewer=viewer, pk=pk, ability=Ability.VIEW_MARKET)
    if challenge.unit_id not in viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    rows = selectors.ranking(viewer=viewer, challenge=challenge)
    audit_record(
        actor=viewer,
        action=MarketEvent.RANKING_EXPORTED,
        obj=challenge,
        organization=challenge.unit_id,
        metadata={"format": fmt, "rows": len(rows)},
    )
    name = safe_filename(f"challenge-{challenge.pk}-ranking.{fmt}")
    data = [
        {
            "rank": i,
            "code": r.code,
            "vendor": r.vendor_name,
            "phase": r.phase,
            "weighted_score": r.weighted_score,
            "evaluators": r.evaluators,
            "status": r.status,
            **{f"mean: {k}": v for k, v in r.criterion_means.items()},
        }
        for i, r in enumerate(rows, start=1)
    ]
    if fmt == "json":
        return json_response(name, {"challenge": challenge.pk, "ranking": data})
    headers = list(data[0].keys()) if data else ["rank", "code", "vendor", "weighted_score"]
    return csv_response(name, headers, [list(d.values()) for d in data])


def _removed_message(removed: list[str]) -> str:
    return _("Identifying metadata was removed from your attachment: %(what)s.") % {
        "what": "; ".join(removed)
    }


@login_required
@require_http_methods(["GET", "POST"])
def proposal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    challenge = selectors.challenge_get_public(pk=pk)
    vendor = _vendor(request)
    if vendor is None:
        raise Http404("Not found")
    phases = selectors.phases_of(challenge=challenge)
    most_files, most_bytes = services.attachment_limits()
    form = forms.ProposalForm(
        request.POST or None,
        request.FILES or None,
        phases=phases,
        anonymous=challenge.anonymous_evaluation,
        most_files=most_files,
        most_mb=services.format_mb(most_bytes),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        phase = next(p for p in phases if p.kind == data["phase"])
        try:
            # Proposal and attachment together or not at all: a refused file leaves no
            # half-submitted revision behind.
            with transaction.atomic():
                proposal = services.proposal_submit(
                    actor=viewer,
                    challenge=challenge,
                    phase=phase,
                    vendor=vendor,
                    content=data["content"],
                    price=data["price"],
                )
                upload = data.get("file")
                record = None
                if upload is not None:
                    record = services.proposal_file_add(
                        actor=viewer, proposal=proposal, name=upload.name, data=upload.read()
                    )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Proposal sealed. You can revise it until the deadline."))
            if record is not None and record.metadata_removed:
                messages.info(request, _removed_message(record.metadata_removed))
            return redirect("market:proposal", proposal.pk)
    return render(
        request,
        "market/form.html",
        {
            "page_title": _("Submit a proposal"),
            "form": form,
            "submit": _("Submit sealed proposal"),
            "back": f"/market/challenges/{challenge.pk}/",
            "context_title": challenge.title,
            "multipart": True,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Metadata always; content when the seal allows; declaration and scoring for evaluators."""
    viewer = principal(request)
    proposal = selectors.proposal_get(viewer=viewer, pk=pk)
    challenge = proposal.challenge
    evaluator = challenge.unit_id in viewer.units_with(Ability.EVALUATE_PROPOSALS)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "remove_file":
                file_id = request.POST.get("file") or ""
                if not file_id.isdigit() or len(file_id) > 18:
                    raise Http404("Not found")
                record = selectors.own_proposal_file(viewer=viewer, file_id=int(file_id))
                if record.proposal_id != proposal.pk:
                    raise Http404("Not found")
                services.proposal_file_remove(actor=viewer, file=record)
            elif action == "declare" and evaluator:
                services.conflict_declare(
                    actor=viewer,
                    proposal=proposal,
                    has_conflict=request.POST.get("has_conflict") == "yes",
                    note=request.POST.get("note", ""),
                )
                if request.POST.get("has_conflict") == "yes":
                    messages.success(
                        request,
                        _("Conflict recorded; the proposal is withdrawn from your evaluation."),
                    )
                    return redirect("market:home")
            elif action == "score" and evaluator:
                criterion = challenge.criteria.filter(pk=request.POST.get("criterion") or 0).first()
                if criterion is None:
                    raise Http404("Not found")
                raw = request.POST.get("score", "")
                try:
                    value = int(raw)
                except ValueError:
                    raise ValidationError({"score": "The score must be a whole number."}) from None
                services.score_record(
                    actor=viewer,
                    proposal=proposal,
                    criterion=criterion,
                    score=value,
                    justification=request.POST.get("justification", ""),
                )
            else:
                raise Http404("Not found")
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect("market:proposal", proposal.pk)
    content = None
    sealed_message = None
    try:
        content = selectors.proposal_content_open(viewer=viewer, pk=proposal.pk)
    except selectors.SealedError as error:
        sealed_message = error.messages[0]
    except sealing.SealingKeyUnavailable as error:
        sealed_message = str(error)
    except Http404:
        sealed_message = _("You cannot read this proposal's content.")
    declaration = selectors.my_declaration(viewer=viewer, proposal=proposal)
    criteria = services.rubric_for(challenge=challenge, phase=proposal.phase)
    return render(
        request,
        "market/proposal.html",
        {
            "page_title": _("Proposal %(code)s") % {"code": proposal.code},
            "view": selectors.proposal_view(viewer=viewer, pk=proposal.pk),
            "challenge": challenge,
            "content": content,
            "sealed_message": sealed_message,
            "evaluator": evaluator and selectors.deadline_passed(challenge),
            "declaration": declaration,
            "criteria": criteria,
            "scores": selectors.my_scores(viewer=viewer, proposal=proposal),
            "cancellation": selectors.cancellation_notice(viewer=viewer, proposal=proposal),
            "can_change": proposal.vendor_id in viewer.organizations([Role.VENDOR])
            and challenge.status == ChallengeStatus.OPEN
            and not selectors.deadline_passed(challenge),
        },
    )


@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        name, data, content_type = selectors.proposal_file_open(
            viewer=principal(request), file_id=pk
        )
    except selectors.SealedError as error:
        return HttpResponse(error.messages[0], status=403, content_type="text/plain")
    except sealing.SealingKeyUnavailable as error:
        return HttpResponse(str(error), status=503, content_type="text/plain")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def vendor_profile(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    vendor = _vendor(request)
    if vendor is None:
        raise Http404("Not found")
    profile = selectors.vendor_list(viewer=viewer).filter(organization=vendor).first()
    initial = {}
    if profile is not None:
        initial = {
            "sme_size": vendor.sme_size,
            "founding_year": profile.founding_year,
            "capabilities": profile.capabilities,
            "sectors": ", ".join(profile.sectors),
            "countries": ", ".join(profile.countries),
            "references": profile.references,
            "website": profile.website,
        }
    form = forms.VendorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["sectors"] = [s for s in data["sectors"].split(",") if s.strip()]
        data["countries"] = [s for s in data["countries"].split(",") if s.strip()]
        try:
            services.vendor_register(actor=viewer, organization=vendor, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Profile saved; the unit will verify it."))
            return redirect("market:vendor")
    return render(
        request,
        "market/vendor.html",
        {
            "page_title": _("Your vendor profile"),
            "form": form,
            "vendor": vendor,
            "profile": profile,
            "matches": selectors.challenge_matches(viewer=viewer, vendor=vendor),
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def vendor_list(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    managed = sorted(viewer.units_with(Ability.MANAGE_MARKET))
    if request.method == "POST":
        profile = selectors.vendor_get(viewer=viewer, pk=int(request.POST.get("profile") or 0))
        unit_id = request.POST.get("unit") or ""
        unit = (
            Organization.objects.filter(pk=int(unit_id)).first()
            if unit_id.isdigit() and len(unit_id) < 19
            else None
        )
        try:
            services.vendor_verify(
                actor=viewer, profile=profile, unit=unit, note=request.POST.get("note", "")
            )
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
        else:
            messages.success(request, _("Vendor verified for your unit."))
        return redirect("market:vendors")
    return render(
        request,
        "market/vendors.html",
        {
            "page_title": _("Vendors"),
            "profiles": selectors.vendor_list(viewer=viewer),
            "can_verify": bool(managed),
            "verifying_units": Organization.objects.filter(pk__in=managed).order_by("name")
            if len(managed) > 1
            else [],
        },
    )


def _contract_forms(contract, ledger, data=None, action=None, milestone_pk=None) -> dict:
    milestones = [line.milestone for line in ledger.milestones]
    status_forms = {}
    for m in milestones:
        bound = action == "status" and m.pk == milestone_pk
        status_form = forms.MilestoneStatusForm(
            data if bound else None, prefix=f"milestone-{m.pk}", initial={"status": m.status}
        )
        status_form.fields["status"].label = _("Status of “%(title)s”") % {"title": m.title}
        status_forms[m.pk] = status_form
    return {
        "milestone_form": forms.MilestoneForm(
            data if action == "milestone" else None, prefix="milestone"
        ),
        "payment_form": forms.PaymentForm(
            data if action == "payment" else None, prefix="payment", milestones=milestones
        ),
        "status_forms": status_forms,
    }


@login_required
@require_http_methods(["GET", "POST"])
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract (pilot): milestones, payments and totals; the unit's staff record them."""
    viewer = principal(request)
    contract = selectors.contract_get(viewer=viewer, pk=pk)
    challenge = contract.award.challenge
    can_manage = challenge.unit_id in viewer.units_with(Ability.MANAGE_MARKET)
    ledger = selectors.contract_ledger(contract=contract)
    status = 200
    bound_form = None
    if request.method == "POST":
        if not can_manage:
            raise Http404("Not found")
        action = request.POST.get("action")
        by_pk = {line.milestone.pk: line.milestone for line in ledger.milestones}
        milestone_pk = 0
        if action == "status":
            try:
                milestone_pk = int(request.POST.get("milestone") or 0)
            except ValueError:
                milestone_pk = 0
            if milestone_pk not in by_pk:
                raise Http404("Not found")
        elif action not in ("milestone", "payment"):
            raise Http404("Not found")
        bound = _contract_forms(contract, ledger, request.POST, action, milestone_pk)
        form = (
            bound["status_forms"][milestone_pk] if action == "status" else bound[f"{action}_form"]
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "milestone":
                    services.milestone_add(
                        actor=viewer, contract=contract, title=data["title"], due_on=data["due_on"]
                    )
                    messages.success(request, _("Milestone added."))
                elif action == "status":
                    services.milestone_update(
                        actor=viewer, milestone=by_pk[milestone_pk], status=data["status"]
                    )
                    messages.success(request, _("Milestone status saved."))
                else:
                    services.payment_record(
                        actor=viewer,
                        contract=contract,
                        amount=data["amount"],
                        paid_on=data["paid_on"],
                        milestone=by_pk.get(data["milestone"]) if data["milestone"] else None,
                    )
                    messages.success(request, _("Payment recorded."))
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                return redirect("market:contract", contract.pk)
        status = 422
        bound_form = form
        page_forms = bound
    else:
        page_forms = _contract_forms(contract, ledger)
    return render(
        request,
        "market/contract.html",
        {
            "page_title": contract.title,
            "contract": contract,
            "challenge": challenge,
            "ledger": ledger,
            "vendor_name": contract.award.proposal.vendor.name,
            "can_manage": can_manage,
            "bound_form": bound_form,
            **(page_forms if can_manage else {}),
        },
        status=status,
    )


@login_required
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = principal(request)
    award = Award.objects.select_related("challenge", "proposal").filter(pk=pk).first()
    if award is None or award.challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    form = forms.ContractForm(request.POST or None, initial={"value": award.amount})
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_sign(actor=viewer, award=award, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("market:contract", contract.pk)
    return render(
        request,
        "market/form.html",
        {
            "page_title": _("Sign the contract"),
            "form": form,
            "submit": _("Record contract"),
            "back": f"/market/challenges/{award.challenge_id}/manage/",
            "context_title": award.challenge.title,
        },
    )


@login_required
def metrics_dashboard(request: HttpRequest) -> HttpResponse:
    viewer = principal(request)
    if not viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    m = metrics.programme_metrics(viewer=viewer)
    bids_rows = [{"challenge": k, "bids": v} for k, v in m.bids_per_challenge.items()]
    supplier_rows = [{"supplier": k, "value": float(v)} for k, v in m.supplier_value.items()]
    return render(
        request,
        "market/metrics.html",
        {
            "page_title": _("Programme metrics"),
            "m": m,
            "bids_spec": bar_chart(
                title=_("Bids per challenge"),
                rows=bids_rows,
                x="challenge",
                y="bids",
                x_title=_("Challenge"),
                y_title=_("Bids"),
            ),
            "bids_rows": [(r["challenge"], r["bids"]) for r in bids_rows],
            "supplier_spec": bar_chart(
                title=_("Award value by supplier"),
                rows=supplier_rows,
                x="supplier",
                y="value",
                x_title=_("Supplier"),
                y_title=_("Value"),
            ),
            "supplier_rows": [(r["supplier"], f"{r['value']:,.2f}") for r in supplier_rows],
        },
    )
