"""The survey page shows every score unweighted and post-stratified, and labels, not codes."""

from __future__ import annotations

import html
import re
from datetime import date

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from civicloop.feedback import selectors, services, theming
from civicloop.portfolio.tests.factories import ProblemFactory, TargetGroupFactory

SHARES = {"under_25": 0.2, "25_44": 0.35, "45_64": 0.25, "65_plus": 0.2}
# (age band, satisfaction 1-5, NPS 0-10, how many); nobody aged 65 or over answered, and four
# people did not give their age.
PEOPLE = [
    ("under_25", 5, 10, 15),
    ("under_25", 5, 8, 9),
    ("under_25", 2, 3, 6),
    ("25_44", 4, 9, 20),
    ("25_44", 4, 7, 10),
    ("25_44", 3, 5, 20),
    ("45_64", 1, 2, 10),
    ("45_64", 4, 10, 5),
    (None, 5, 10, 4),
]


@pytest.fixture
def weighted_survey(world):
    staff = world.principal("staff")
    group = TargetGroupFactory.create(unit=world.unit, name="Residents")
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    problem.target_groups.add(group)
    services.profile_target_set(
        actor=staff,
        target_group=group,
        dimension="age_band",
        shares=SHARES,
        source="Register",
        as_of=date(2026, 1, 1),
    )
    survey = services.survey_create(
        actor=staff,
        unit=world.unit,
        title="Housing",
        templates=["govuk", "nps", "age"],
        consent="ok",
        problem=problem,
    )
    i = 0
    for band, satisfaction, nps, count in PEOPLE:
        for _ in range(count):
            answers: dict[str, int | str] = {"satisfaction": satisfaction, "nps": nps}
            if band:
                answers["age_band"] = band
            services.response_submit(survey=survey, answers=answers, channel="api", client=str(i))
            i += 1
    return survey


def _reference():
    """Weights by hand (65+ left out, shares rescaled), estimates by statsmodels."""
    rows = [(b, s, p) for b, s, p, count in PEOPLE if b for _ in range(count)]
    counts = {b: sum(1 for r in rows if r[0] == b) for b in ("under_25", "25_44", "45_64")}
    kept = {b: SHARES[b] / (100 - SHARES["65_plus"]) for b in counts}  # 0.25, 0.4375, 0.3125
    n = len(rows)
    w = np.array([kept[b] / (counts[b] / n) for b, _, _ in rows])
    n_eff = w.sum() ** 2 / (w**2).sum()
    satisfied = np.array([s >= 4 for _, s, _ in rows], dtype=float)
    p = DescrStatsW(satisfied, weights=w).mean
    low, high = proportion_confint(p * n_eff, n_eff, method="wilson")
    coded = np.array([1.0 if q >= 9 else -1.0 if q <= 6 else 0.0 for _, _, q in rows])
    nps = DescrStatsW(coded, weights=w, ddof=0)
    half = 1.959963984540054 * np.sqrt(nps.var / n_eff)
    return {
        "govuk": (100 * p, 100 * low, 100 * high, n, n_eff),
        "nps": (100 * nps.mean, 100 * (nps.mean - half), 100 * (nps.mean + half), n, n_eff),
    }


@pytest.mark.django_db
def test_weighted_scores_match_the_reference(weighted_survey):
    [check] = selectors.survey_target_checks(survey=weighted_survey)
    assert (check.target_group, check.dimension) == ("Residents", "age_band")
    reference = _reference()
    for unweighted, weighted in check.weighted.rows:
        value, low, high, n, n_eff = reference[weighted.key]
        assert weighted.value == pytest.approx(value)
        assert (weighted.ci_low, weighted.ci_high) == (pytest.approx(low), pytest.approx(high))
        assert (weighted.n, weighted.n_eff) == (n, pytest.approx(n_eff))
        assert weighted.empty_groups == ["65_plus"]
        assert weighted.left_out == 4
        assert unweighted.n == 99  # the unweighted score keeps everyone who answered
    # The representativeness table shows the weights applied: 65+ has none, and the other
    # groups' shares are rescaled without it (under 25: 0.25 of the rest, 30 of 95 answered).
    weights = {c["category"]: c["weight"] for c in check.representativeness.categories}
    assert weights["65_plus"] is None
    assert weights["under_25"] == pytest.approx(0.25 / (30 / 95))
    assert weights["45_64"] == pytest.approx(0.3125 / (15 / 95))


def _cells(page: str, label: str) -> list[str]:
    row = re.search(
        r"<th scope=\"row\" class=\"govuk-table__header\">" + re.escape(label) + r"</th>(.*?)</tr>",
        page[page.index('id="weighted-scores"') :],
        re.S,
    )
    assert row, label
    return [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))]


@pytest.mark.django_db
def test_survey_page_shows_each_score_unweighted_and_weighted(world, weighted_survey):
    page = world.client("staff").get(f"/feedback/{weighted_survey.pk}/").content.decode()
    reference = _reference()
    overall = {s.key: s for s in selectors.survey_scores(survey=weighted_survey)["all"]}
    for key, label, unit in (
        ("govuk", "User satisfaction (GOV.UK, % satisfied)", "%"),
        ("nps", "Net Promoter Score", ""),
    ):
        value, low, high, n, n_eff = reference[key]
        s = overall[key]
        cells = _cells(page, label)
        assert cells[0] == f"{s.value:.1f}{unit} ({s.ci_low:.1f} – {s.ci_high:.1f})"
        assert cells[1] == "99"
        assert cells[2] == f"{value:.1f}{unit} ({low:.1f} – {high:.1f})"
        assert cells[3] == str(n)
        assert cells[4] == f"{n_eff:.1f}"
        assert cells[5] == "65 or over (20%)"
    assert "Kish" in page  # the page says how the intervals are computed
    assert "Cannot be computed: no respondents" in page
    text = html.unescape(page)
    assert "Nobody answered in: 65 or over. A group without respondents has no weight" in text
    assert "4 responses without a known age band are left out of the weighted figures." in text


@pytest.mark.django_db
def test_survey_without_any_respondent_in_a_group_does_not_fail(world):
    staff = world.principal("staff")
    group = TargetGroupFactory.create(unit=world.unit)
    problem = ProblemFactory.create(unit=world.unit, owner_agency=world.agency)
    problem.target_groups.add(group)
    services.profile_target_set(
        actor=staff,
        target_group=group,
        dimension="age_band",
        shares=SHARES,
        source="Register",
        as_of=date(2026, 1, 1),
    )
    survey = services.survey_create(
        actor=staff,
        unit=world.unit,
        title="Nobody gave an age",
        templates=["csat", "age"],
        consent="ok",
        problem=problem,
    )
    services.response_submit(survey=survey, answers={"csat": 5}, channel="api")
    response = world.client("staff").get(f"/feedback/{survey.pk}/")
    assert response.status_code == 200
    cells = _cells(response.content.decode(), "CSAT (% satisfied)")
    assert cells[0].startswith("100.0%")
    assert cells[2] == "Cannot be weighted"
    assert cells[5] == "Under 25 (20%), 25 to 44 (35%), 45 to 64 (25%), 65 or over (20%)"
    assert "No respondent has given their age band yet." in response.content.decode()


@pytest.mark.django_db
def test_pages_show_labels_not_codes(world, weighted_survey):
    client = world.client("staff")
    page = html.unescape(client.get(f"/feedback/{weighted_survey.pk}/").content.decode())
    for code in ("under_25", "25_44", "45_64", "65_plus", "age_band", "cx:", "in_person"):
        assert code not in re.sub(r"<[^>]+>", " ", page), code  # not in any visible text
    assert "Age band" in page
    assert "Under-represented: 45 to 64, 65 or over" in page
    assert "GOV.UK user satisfaction" in page  # the question's construct
    assert "English" in page  # the survey's languages
    assert '<option value="channel">Channel</option>' in page
    by_channel = html.unescape(
        client.get(f"/feedback/{weighted_survey.pk}/?by=channel").content.decode()
    )
    assert "Channel: App or kiosk (API)" in by_channel
    by_language = html.unescape(
        client.get(f"/feedback/{weighted_survey.pk}/?by=language").content.decode()
    )
    assert "Language: English" in by_language
    by_month = html.unescape(
        client.get(f"/feedback/{weighted_survey.pk}/?by=month").content.decode()
    )
    assert re.search(r"Month: [A-Z][a-z]+ \d{4}", by_month)


@pytest.mark.django_db
def test_themes_page_labels_sentiment_and_grouping(world, survey):
    services.response_submit(
        survey=survey,
        answers={"satisfaction": 5, "comment": "Excellent, quick and friendly service"},
        channel="api",
    )
    theming.themes_refresh(survey=survey)
    page = html.unescape(
        world.client("staff").get(f"/feedback/{survey.pk}/themes/?trend=month").content.decode()
    )
    assert "Themes by month" in page
    assert "Positive" in page
    assert re.search(r"<td class=\"govuk-table__cell\">[A-Z][a-z]+ \d{4}</td>", page)
