"""Every read of the market. Proposal content is sealed here: before the deadline nothing but
the vendor who wrote it can decrypt it, and every other read after the deadline is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicloop.core.audit import audit_record
from civicloop.core.models import Organization, Person, Role
from civicloop.core.permissions import Ability, Principal
from civicloop.market import sealing, similarity, uploads
from civicloop.market.events import MarketEvent
from civicloop.market.models import (
    PUBLIC_STATUSES,
    Challenge,
    ChallengeStatus,
    ConflictDeclaration,
    Contract,
    Criterion,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Payment,
    Phase,
    PhaseKind,
    Proposal,
    ProposalFile,
    ProposalStatus,
    Question,
    Score,
    VendorProfile,
    VendorVerification,
)
from civicloop.market.services import rubric_for

# Scores of one criterion diverge when the evaluators' spread reaches this share of the scale.
DIVERGENCE_SHARE = 0.3
COUNTED_STATUSES = [ProposalStatus.SUBMITTED, ProposalStatus.AWARDED, ProposalStatus.UNSUCCESSFUL]


def _label(choices: type[models.TextChoices], code: str) -> str:
    """The translated label of a stored code (the code itself if it is not a known choice)."""
    return str(choices(code).label) if code in choices.values else code


# --- needs -------------------------------------------------------------------------------------


def need_list(*, viewer: Principal) -> QuerySet[Need]:
    """Needs of the viewer's units, or of the viewer's own agency for officials."""
    condition = Q(unit_id__in=sorted(viewer.units_with(Ability.VIEW_MARKET)))
    agencies = viewer.agencies_with(Ability.SUBMIT_NEED)
    if agencies:
        condition |= Q(agency_id__in=sorted(agencies))
    return Need.objects.filter(condition).select_related("agency", "problem", "challenge")


def need_get(*, viewer: Principal, pk: int) -> Need:
    need = need_list(viewer=viewer).filter(pk=pk).first()
    if need is None:
        raise Http404("Not found")
    return need


@dataclass(frozen=True)
class SimilarNeeds:
    first: Need
    second: Need
    similarity: float


def need_similar_pairs(*, viewer: Principal, threshold: float = 0.2) -> list[SimilarNeeds]:
    """Open needs of different agencies that read alike (TF-IDF cosine), most similar first."""
    needs = list(
        Need.objects.filter(
            unit_id__in=sorted(viewer.units_with(Ability.MANAGE_MARKET)),
            status=NeedStatus.OPEN,
        )
        .select_related("agency")
        .order_by("pk")
    )
    texts = [f"{n.title} {n.what_is_wrong} {n.who_is_affected}" for n in needs]
    return [
        SimilarNeeds(needs[i], needs[j], round(s, 3))
        for i, j, s in similarity.similar_pairs(texts, threshold)
        if needs[i].agency_id != needs[j].agency_id and needs[i].unit_id == needs[j].unit_id
    ]


# --- challenges --------------------------------------------------------------------------------


def challenge_list_public() -> QuerySet[Challenge]:
    """Published challenges, for everyone (no sign-in)."""
    return (
        Challenge.objects.filter(status__in=PUBLIC_STATUSES)
        .select_related("unit")
        .annotate(
            proposal_count=Count("proposals", filter=Q(proposals__status__in=COUNTED_STATUSES))
        )
        .order_by("-published_at", "-pk")
    )


def challenge_get_public(*, pk: int) -> Challenge:
    challenge = challenge_list_public().filter(pk=pk).first()
    if challenge is None:
        raise Http404("Not found")
    return challenge


def challenge_list(*, viewer: Principal) -> QuerySet[Challenge]:
    """Every challenge of the viewer's units (drafts included) plus all published ones."""
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    return (
        Challenge.objects.filter(Q(unit_id__in=units) | Q(status__in=PUBLIC_STATUSES))
        .select_related("unit", "problem")
        .annotate(
            proposal_count=Count("proposals", filter=Q(proposals__status__in=COUNTED_STATUSES))
        )
        .order_by("-created_at", "-pk")
    )


def challenge_get(
    *, viewer: Principal, pk: int, ability: Ability = Ability.VIEW_MARKET
) -> Challenge:
    """A challenge of the viewer's unit with `ability`; published ones are readable by all."""
    challenge = Challenge.objects.select_related("unit", "problem").filter(pk=pk).first()
    if challenge is None:
        raise Http404("Not found")
    if challenge.unit_id in viewer.units_with(ability):
        return challenge
    if ability == Ability.VIEW_MARKET and challenge.is_public:
        return challenge
    raise Http404("Not found")


def phases_of(*, challenge: Challenge) -> list[Phase]:
    phases = list(challenge.phases.all())
    return sorted(phases, key=lambda p: p.order)


def criteria_of(*, challenge: Challenge) -> list[Criterion]:
    return list(challenge.criteria.select_related("phase").order_by("phase_id", "pk"))


def question_list_public(*, challenge: Challenge) -> list[dict]:
    """Answered questions without any trace of who asked."""
    return [
        {"id": q.pk, "question": q.text, "answer": q.answer, "answered_at": q.answered_at}
        for q in Question.objects.filter(challenge=challenge).exclude(answer="").order_by("pk")
    ]


def question_list_unanswered(*, viewer: Principal, challenge: Challenge) -> QuerySet[Question]:
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        return Question.objects.none()
    return Question.objects.filter(challenge=challenge, answer="").order_by("pk")


def proposal_count(*, challenge: Challenge) -> int:
    """How many proposals a challenge received (public: it reveals nothing about content)."""
    return Proposal.objects.filter(challenge=challenge, status__in=COUNTED_STATUSES).count()


# --- vendors -----------------------------------------------------------------------------------


def vendor_list(
    *, viewer: Principal, verified_only: bool = False, unit_id: int | None = None
) -> QuerySet[VendorProfile]:
    """Vendor profiles: the unit sees all; a vendor sees its own.

    Each profile carries `visible_verifications`: those of the viewer's own units (of `unit_id`
    alone, when given), or every unit's for the vendor itself. `verified_only` keeps profiles
    that one of those units verified; another unit's verification counts for nothing.
    """
    units = viewer.units_with(Ability.VIEW_MARKET)
    if unit_id is not None:
        units = units & {unit_id}
    own = viewer.organizations([Role.VENDOR])
    qs = VendorProfile.objects.select_related("organization")
    if not viewer.units_with(Ability.VIEW_MARKET):
        qs = qs.filter(organization_id__in=sorted(own))
    visible = Q(organization_id__in=sorted(units)) | Q(profile__organization_id__in=sorted(own))
    if verified_only:
        qs = qs.filter(verifications__organization_id__in=sorted(units)).distinct()
    verifications = VendorVerification.objects.filter(visible).select_related(
        "organization", "verified_by"
    )
    return qs.prefetch_related(
        Prefetch("verifications", queryset=verifications, to_attr="visible_verifications")
    ).order_by("organization__name")


def vendor_get(*, viewer: Principal, pk: int) -> VendorProfile:
    profile = vendor_list(viewer=viewer).filter(pk=pk).first()
    if profile is None:
        raise Http404("Not found")
    return profile


def _challenge_text(c: Challenge) -> str:
    return " ".join([c.title, c.summary, c.context, c.outcomes_sought, c.users_affected])


def _vendor_text(p: VendorProfile) -> str:
    return " ".join([p.capabilities, " ".join(p.sectors), p.references])


@dataclass(frozen=True)
class VendorMatch:
    profile: VendorProfile
    similarity: float
    verified: bool  # by the challenge's unit


def vendor_matches(
    *,
    viewer: Principal,
    challenge: Challenge,
    verified_only: bool = True,
    sme_only: bool = False,
    country: str | None = None,
) -> list[VendorMatch]:
    """Vendors whose profile reads like the challenge, after the filters, best first."""
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    profiles = list(
        vendor_list(viewer=viewer, verified_only=verified_only, unit_id=challenge.unit_id)
    )
    if sme_only:
        profiles = [p for p in profiles if p.organization.sme_size in ("micro", "small", "medium")]
    if country:
        profiles = [p for p in profiles if country.upper() in p.countries]
    scores = similarity.rank_against(
        _challenge_text(challenge), [_vendor_text(p) for p in profiles]
    )
    matches = [
        VendorMatch(p, round(s, 3), bool(p.visible_verifications))  # type: ignore[attr-defined]
        for p, s in zip(profiles, scores, strict=True)
    ]
    return sorted(matches, key=lambda m: (-m.similarity, m.profile.organization.name))


@dataclass(frozen=True)
class ChallengeMatch:
    challenge: Challenge
    similarity: float
    invited: bool


def challenge_matches(*, viewer: Principal, vendor: Organization) -> list[ChallengeMatch]:
    """Published challenges still taking input, ranked by fit with the vendor's profile."""
    if vendor.pk not in viewer.organizations([Role.VENDOR]):
        raise Http404("Not found")
    profile = VendorProfile.objects.filter(organization=vendor).first()
    challenges = list(
        Challenge.objects.filter(
            status__in=[ChallengeStatus.CONSULTATION, ChallengeStatus.OPEN]
        ).order_by("pk")
    )
    text = _vendor_text(profile) if profile else vendor.name
    scores = similarity.rank_against(text, [_challenge_text(c) for c in challenges])
    invited = set(vendor_invitations(vendor=vendor))
    matches = [
        ChallengeMatch(c, round(s, 3), c.pk in invited)
        for c, s in zip(challenges, scores, strict=True)
    ]
    return sorted(matches, key=lambda m: (not m.invited, -m.similarity))


def vendor_invitations(*, vendor: Organization) -> list[int]:
    return list(Challenge.objects.filter(invitations__vendor=vendor).values_list("pk", flat=True))


# --- sealed proposals --------------------------------------------------------------------------


def deadline_passed(challenge: Challenge, now: datetime | None = None) -> bool:
    """Whether the seal has lifted: the latest deadline ever published has passed and the call
    was not cancelled before it (then its bids stay sealed for good). ADR 0007."""
    return challenge.seal_lifted(now or timezone.now())


def _conflicted_ids(viewer: Principal) -> set[int]:
    if viewer.person is None:
        return set()
    return set(
        ConflictDeclaration.objects.filter(evaluator=viewer.person, has_conflict=True).values_list(
            "proposal_id", flat=True
        )
    )


def _visible_proposals(viewer: Principal) -> QuerySet[Proposal]:
    own = sorted(viewer.organizations([Role.VENDOR]))
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    return Proposal.objects.filter(Q(vendor_id__in=own) | Q(challenge__unit_id__in=units)).exclude(
        pk__in=_conflicted_ids(viewer)
    )


def identity_visible(viewer: Principal, proposal: Proposal) -> bool:
    """In anonymous evaluation only the vendor itself sees who wrote a proposal, until award."""
    if proposal.vendor_id in viewer.organizations([Role.VENDOR]):
        return True
    challenge = proposal.challenge
    return not challenge.anonymous_evaluation or challenge.status == ChallengeStatus.AWARDED


@dataclass(frozen=True)
class ProposalView:
    """What a viewer may know about a proposal: metadata only, vendor masked when anonymous."""

    id: int
    code: str
    challenge_id: int
    challenge_title: str
    phase: str
    vendor_id: int | None
    vendor_name: str
    status: str
    revision: int
    submitted_at: datetime
    price: Decimal | None
    currency: str
    is_own: bool
    sealed: bool
    files: list[dict] = field(default_factory=list)

    @property
    def phase_label(self) -> str:
        return _label(PhaseKind, self.phase)

    @property
    def status_label(self) -> str:
        return _label(ProposalStatus, self.status)


def _view(viewer: Principal, p: Proposal, files: list[ProposalFile]) -> ProposalView:
    own = p.vendor_id in viewer.organizations([Role.VENDOR])
    sealed = not deadline_passed(p.challenge)
    show_identity = identity_visible(viewer, p)
    return ProposalView(
        id=p.pk,
        code=p.code,
        challenge_id=p.challenge_id,
        challenge_title=p.challenge.title,
        phase=p.phase.kind,
        vendor_id=p.vendor_id if show_identity else None,
        vendor_name=p.vendor.name if show_identity else f"Proposal {p.code}",
        status=p.status,
        revision=p.revision,
        submitted_at=p.submitted_at,
        # The price is part of the sealed offer.
        price=p.price if (own or not sealed) else None,
        currency=p.currency,
        is_own=own,
        sealed=sealed,
        files=[
            {
                "id": f.pk,
                "name": download_name(viewer, f, p),
                "size": f.size,
                "metadata_removed": f.metadata_removed,
            }
            for f in files
        ]
        if (own or not sealed)
        else [],
    )


def proposal_list(*, viewer: Principal, challenge_id: int | None = None) -> list[ProposalView]:
    """Proposals the viewer may know of, as metadata (never content)."""
    qs = (
        _visible_proposals(viewer)
        .select_related("challenge", "phase", "vendor")
        .prefetch_related("files")
    )
    if challenge_id is not None:
        qs = qs.filter(challenge_id=challenge_id)
    return [_view(viewer, p, list(p.files.all())) for p in qs.order_by("challenge_id", "code")]


def proposal_list_submitted_by(*, viewer: Principal, person: Person) -> list[ProposalView]:
    """Proposals `person` submitted that the viewer may know of, as metadata (never content)."""
    qs = (
        _visible_proposals(viewer)
        .filter(submitted_by=person)
        .select_related("challenge", "phase", "vendor")
        .prefetch_related("files")
    )
    return [_view(viewer, p, list(p.files.all())) for p in qs.order_by("challenge_id", "code")]


def proposal_get(*, viewer: Principal, pk: int) -> Proposal:
    """The proposal row for a viewer allowed to know of it; 404 otherwise (conflicts included)."""
    proposal = (
        _visible_proposals(viewer)
        .select_related("challenge", "phase", "vendor")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404("Not found")
    return proposal


def proposal_view(*, viewer: Principal, pk: int) -> ProposalView:
    proposal = proposal_get(viewer=viewer, pk=pk)
    return _view(viewer, proposal, list(proposal.files.all()))


@dataclass(frozen=True)
class CancellationNotice:
    cancelled_at: datetime
    reason: str


def cancellation_notice(*, viewer: Principal, proposal: Proposal) -> CancellationNotice | None:
    """For a proposal voided by the cancellation of its call: when, and the public reason."""
    challenge = proposal.challenge
    if proposal.status != ProposalStatus.VOIDED or challenge.cancelled_at is None:
        return None
    entry = challenge.changes.filter(field="status", after=ChallengeStatus.CANCELLED).last()
    return CancellationNotice(challenge.cancelled_at, entry.reason if entry else "")


class SealedError(ValidationError):
    """Content asked for before the deadline."""


def _may_open(viewer: Principal, proposal: Proposal) -> bool:
    """Own proposal at any time; others only with OPEN_PROPOSALS and after the deadline."""
    if proposal.vendor_id in viewer.organizations([Role.VENDOR]):
        return True
    if proposal.challenge.unit_id not in viewer.units_with(Ability.OPEN_PROPOSALS):
        return False
    challenge = proposal.challenge
    if challenge.voided_by_cancellation:
        raise SealedError(
            {
                "proposal": "The call was cancelled before its deadline: its proposals are "
                "void and are never opened."
            }
        )
    if not deadline_passed(challenge):
        lifts = challenge.seal_lifts_at
        raise SealedError(
            {
                "proposal": "Proposals are sealed until the submission deadline"
                + (f" ({timezone.localtime(lifts):%Y-%m-%d %H:%M %Z})." if lifts else ".")
            }
        )
    return True


def proposal_content_open(*, viewer: Principal, pk: int) -> str:
    """Decrypt a proposal: the vendor's own, or anyone entitled after the deadline (audited)."""
    proposal = proposal_get(viewer=viewer, pk=pk)
    if not _may_open(viewer, proposal):
        raise Http404("Not found")
    text = sealing.unseal(proposal.sealed.ciphertext).decode()
    if proposal.vendor_id not in viewer.organizations([Role.VENDOR]):
        audit_record(
            actor=viewer,
            action=MarketEvent.PROPOSAL_OPENED,
            obj=proposal,
            organization=proposal.challenge.unit_id,
            metadata={"code": proposal.code},
        )
    return text


def download_name(viewer: Principal, f: ProposalFile, proposal: Proposal) -> str:
    """Server-made name: the original only when the viewer may see the vendor's identity."""
    if identity_visible(viewer, proposal):
        stem = "".join(c for c in f.original_name.rsplit(".", 1)[0] if c.isalnum() or c in "-_")
        return f"{stem[:60] or 'attachment'}.{f.extension}"
    return f"{proposal.code}-attachment-{f.pk}.{f.extension}"


def own_proposal_file(*, viewer: Principal, file_id: int) -> ProposalFile:
    """An attachment of one of the viewer's own companies' proposals; 404 for anyone else."""
    record = (
        ProposalFile.objects.select_related("proposal")
        .filter(pk=file_id, proposal__vendor_id__in=sorted(viewer.organizations([Role.VENDOR])))
        .first()
    )
    if record is None:
        raise Http404("Not found")
    return record


def proposal_file_open(*, viewer: Principal, file_id: int) -> tuple[str, bytes, str]:
    """(download name, bytes, content type) of an attachment, under the same seal as content."""
    record = ProposalFile.objects.select_related("proposal").filter(pk=file_id).first()
    if record is None:
        raise Http404("Not found")
    proposal = proposal_get(viewer=viewer, pk=record.proposal_id)
    if not _may_open(viewer, proposal):
        raise Http404("Not found")
    with default_storage.open(record.storage_name, "rb") as handle:
        data = sealing.unseal(handle.read())
    if proposal.vendor_id not in viewer.organizations([Role.VENDOR]):
        audit_record(
            actor=viewer,
            action=MarketEvent.PROPOSAL_FILE_OPENED,
            obj=record,
            organization=proposal.challenge.unit_id,
            metadata={"code": proposal.code},
        )
    return download_name(viewer, record, proposal), data, uploads.CONTENT_TYPES[record.extension]


# --- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRow:
    proposal_id: int
    code: str
    vendor_name: str
    phase: str
    weighted_score: float  # 0..100
    criterion_means: dict[str, float]
    evaluators: int
    status: str

    @property
    def phase_label(self) -> str:
        return _label(PhaseKind, self.phase)

    @property
    def status_label(self) -> str:
        return _label(ProposalStatus, self.status)


def weighted_score(criteria: list[Criterion], means: dict[int, float]) -> float:
    """Σ weight × mean/max over criteria; 100 means every evaluator gave every maximum."""
    return round(sum(c.weight * means.get(c.pk, 0.0) / c.max_score for c in criteria), 2)


def ranking(*, viewer: Principal, challenge: Challenge) -> list[RankingRow]:
    """Proposals ranked by weighted mean score per phase; only after the deadline."""
    if challenge.unit_id not in viewer.units_with(Ability.VIEW_MARKET):
        raise Http404("Not found")
    if not deadline_passed(challenge):
        return []
    proposals = list(
        _visible_proposals(viewer)
        .filter(challenge=challenge, status__in=COUNTED_STATUSES)
        .select_related("challenge", "phase", "vendor")
    )
    scores = list(Score.objects.filter(proposal__in=proposals))
    rows = []
    for p in proposals:
        criteria = rubric_for(challenge=challenge, phase=p.phase)
        mine = [s for s in scores if s.proposal_id == p.pk]
        means = {}
        for c in criteria:
            values = [s.score for s in mine if s.criterion_id == c.pk]
            if values:
                means[c.pk] = sum(values) / len(values)
        rows.append(
            RankingRow(
                proposal_id=p.pk,
                code=p.code,
                vendor_name=p.vendor.name if identity_visible(viewer, p) else f"Proposal {p.code}",
                phase=p.phase.kind,
                weighted_score=weighted_score(criteria, means),
                criterion_means={c.name: round(means[c.pk], 2) for c in criteria if c.pk in means},
                evaluators=len({s.evaluator_id for s in mine}),
                status=p.status,
            )
        )
    return sorted(rows, key=lambda r: (r.phase, -r.weighted_score, r.code))


@dataclass(frozen=True)
class Divergence:
    proposal_code: str
    criterion: str
    scores: list[int]
    spread: int
    max_score: int
    divergent: bool


def moderation(*, viewer: Principal, challenge: Challenge) -> list[Divergence]:
    """Per proposal and criterion, the evaluators' scores and whether they diverge."""
    if challenge.unit_id not in viewer.units_with(Ability.MANAGE_MARKET):
        raise Http404("Not found")
    out = []
    scores = (
        Score.objects.filter(proposal__challenge=challenge)
        .select_related("proposal", "criterion")
        .order_by("proposal__code", "criterion_id", "evaluator_id")
    )
    grouped: dict[tuple[str, int], list[Score]] = {}
    for s in scores:
        grouped.setdefault((s.proposal.code, s.criterion_id), []).append(s)
    for (code, _), items in grouped.items():
        values = [s.score for s in items]
        criterion = items[0].criterion
        spread = max(values) - min(values)
        out.append(
            Divergence(
                code,
                criterion.name,
                values,
                spread,
                criterion.max_score,
                len(values) > 1 and spread >= DIVERGENCE_SHARE * criterion.max_score,
            )
        )
    return out


def my_scores(*, viewer: Principal, proposal: Proposal) -> dict[int, Score]:
    if viewer.person is None:
        return {}
    return {
        s.criterion_id: s for s in Score.objects.filter(proposal=proposal, evaluator=viewer.person)
    }


def my_declaration(*, viewer: Principal, proposal: Proposal) -> ConflictDeclaration | None:
    if viewer.person is None:
        return None
    return ConflictDeclaration.objects.filter(proposal=proposal, evaluator=viewer.person).first()


# --- contracts ---------------------------------------------------------------------------------


def contract_list(*, viewer: Principal) -> QuerySet[Contract]:
    units = sorted(viewer.units_with(Ability.VIEW_MARKET))
    own = sorted(viewer.organizations([Role.VENDOR]))
    return (
        Contract.objects.filter(
            Q(award__challenge__unit_id__in=units) | Q(award__proposal__vendor_id__in=own)
        )
        .select_related("award__challenge", "award__proposal__vendor", "pilot_problem")
        .order_by("-signed_on", "pk")
    )


def contract_get(*, viewer: Principal, pk: int) -> Contract:
    contract = contract_list(viewer=viewer).filter(pk=pk).first()
    if contract is None:
        raise Http404("Not found")
    return contract


@dataclass(frozen=True)
class MilestoneLine:
    milestone: Milestone
    paid: Decimal
    payments: list[Payment]

    @property
    def is_overdue(self) -> bool:
        return (
            self.milestone.status == MilestoneStatus.SCHEDULED
            and self.milestone.due_on < timezone.localdate()
        )


@dataclass(frozen=True)
class ContractLedger:
    """A contract's milestones and payments with what is paid against its value."""

    milestones: list[MilestoneLine]
    payments: list[Payment]
    paid: Decimal
    remaining: Decimal
    paid_share: float | None  # 0..1 of the contract value


def contract_ledger(*, contract: Contract) -> ContractLedger:
    """Milestones (with what was paid against each), payments and totals of a contract."""
    milestones = list(contract.milestones.all())
    payments = list(contract.payments.select_related("milestone"))
    paid = sum((p.amount for p in payments), Decimal(0))
    lines = [
        MilestoneLine(
            milestone=m,
            paid=sum((p.amount for p in payments if p.milestone_id == m.pk), Decimal(0)),
            payments=[p for p in payments if p.milestone_id == m.pk],
        )
        for m in milestones
    ]
    return ContractLedger(
        milestones=lines,
        payments=payments,
        paid=paid,
        remaining=contract.value - paid,
        paid_share=float(paid / contract.value) if contract.value else None,
    )
