from django.core.management.base import BaseCommand, CommandError

from ipops.audit import verify


class Command(BaseCommand):
    help = "Recompute the audit hash chain; exit non-zero if any record was edited, deleted or unsealed."

    def handle(self, *args, **options):
        result = verify()
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(f"audit trail FAILED: {len(result.problems)} problem(s) in {result.checked} links")
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {result.checked} links verified"))
