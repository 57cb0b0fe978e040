from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from civicloop.web.failure import database_unavailable


class Command(RunserverCommand):
    help = (
        "The web server `civicloop serve` runs: Django's runserver, which also starts while the "
        "database is unavailable (pages answer 503 with Retry-After until it is back)."
    )

    def check_migrations(self) -> None:
        try:
            super().check_migrations()
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            self.stderr.write(
                "The database is unavailable; serving anyway (pages answer 503 until it is "
                f"back): {str(exc).strip().splitlines()[0]}"
            )
