from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from supervision.services import notices_propose


class Command(BaseCommand):
    help = "Propose today's escalation notices (督办单) for the office to confirm in the admin."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="Judge the tasks as of this date (YYYY-MM-DD); default today"
        )

    def handle(self, *args, as_of=None, **options):
        if as_of:
            try:
                day = date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(
                    f"--as-of must be a date like 2026-03-31, got {as_of!r}"
                ) from exc
        else:
            day = timezone.localdate()
        notices = notices_propose(as_of=day)
        for notice in notices:
            self.stdout.write(f"{notice.get_colour_display()} {notice.task} → {notice.unit}")
        self.stdout.write(self.style.SUCCESS(f"{day}: proposed {len(notices)} notice(s)"))
