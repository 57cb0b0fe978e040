"""Background tasks (django-tasks): theme runs, the retention purge and the KPI feed."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_themes(run_id: int) -> int:
    """Run the text library on one survey's comments; returns the number of themes."""
    from civicloop.feedback.models import ThemeRun
    from civicloop.feedback.theming import themes_refresh

    run = ThemeRun.objects.select_related("survey").get(pk=run_id)
    try:
        run = themes_refresh(survey=run.survey, run=run)
    except Exception as error:
        ThemeRun.objects.filter(pk=run_id).update(status="failed", error=type(error).__name__[:300])
        raise
    return run.themes


@task()
def purge_expired_feedback() -> int:
    """Delete responses past their survey's retention period (schedule daily)."""
    from civicloop.feedback.services import responses_purge_expired

    return responses_purge_expired()


@task()
def feed_satisfaction_kpis() -> int:
    """Record 'user satisfaction' on every KPI a survey feeds (schedule daily)."""
    from civicloop.feedback.services import kpi_feeds_record_all

    return kpi_feeds_record_all()


@task()
def link_pending_feedback() -> int:
    """Link responses tagged before their service or iteration was recorded (schedule hourly)."""
    from civicloop.feedback.services import responses_link_pending

    return responses_link_pending()
