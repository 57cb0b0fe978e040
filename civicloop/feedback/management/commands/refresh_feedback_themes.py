"""`manage.py refresh_feedback_themes [SURVEY_ID ...]`: run theme analysis on surveys."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from civicloop.feedback.models import Survey
from civicloop.feedback.theming import themes_refresh


class Command(BaseCommand):
    help = "Group the comments of surveys into themes (people's edits are kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("survey_ids", nargs="*", type=int)

    def handle(self, *args, **options) -> None:
        surveys = Survey.objects.all()
        if options["survey_ids"]:
            surveys = surveys.filter(pk__in=options["survey_ids"])
        for survey in surveys:
            run = themes_refresh(survey=survey)
            self.stdout.write(f"Survey {survey.pk}: {run.comments} comments, {run.themes} themes")
