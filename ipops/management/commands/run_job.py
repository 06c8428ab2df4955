from django.core.management.base import BaseCommand, CommandError

from ipops.models import City


class Command(BaseCommand):
    help = "Run a scheduled job now, in this process (every beat entry is also a command)."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=["registry_snapshot"])
        parser.add_argument("--city", help="city slug (default: every active city)")

    def handle(self, *args, job, city=None, **options):
        from ipops.tasks import registry_snapshot

        cities = City.objects.filter(is_active=True)
        if city:
            cities = cities.filter(slug=city)
            if not cities.exists():
                raise CommandError(f"no such city: {city}")
        for c in cities:
            counts = registry_snapshot.apply(args=[c.pk]).get()
            self.stdout.write(f"{job} {c.slug}: {counts['total']} assets")
