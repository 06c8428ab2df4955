import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ipops.audit import heads, verify


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chains; exit non-zero if any record was edited, deleted or unsealed. "
        "--write-heads publishes each chain's newest link; --anchors checks a published file later."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchors", type=Path, help="a heads file written earlier: each head must still be there"
        )
        parser.add_argument(
            "--write-heads", type=Path, help="write every chain's newest link to this JSON file"
        )

    def handle(self, *args, anchors=None, write_heads=None, **options):
        try:
            anchored = json.loads(anchors.read_text()) if anchors else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the anchors file: {exc}") from exc
        result = verify(anchored)
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(
                f"audit trail FAILED: {len(result.problems)} problem(s) in {result.checked} links"
            )
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {result.checked} links verified"))
        if write_heads:
            write_heads.write_text(json.dumps(heads(), indent=2))
            self.stdout.write(f"chain heads written to {write_heads}")
