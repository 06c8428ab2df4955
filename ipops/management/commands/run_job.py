from django.core.management.base import BaseCommand, CommandError

from ipops.models import City
from ipops.tasks import CITY_JOBS, MANY_CITY_TASKS, in_shares, task_named


class Command(BaseCommand):
    help = "Run a scheduled per-city job now, in this process (every beat entry is also this command)."

    def add_arguments(self, parser):
        parser.add_argument("job", help="one of: " + ", ".join(sorted(CITY_JOBS)))
        parser.add_argument("--city", help="city slug (default: every active city)")

    def handle(self, *args, job, city=None, **options):
        if job not in CITY_JOBS:
            raise CommandError(f"unknown job {job!r}; choose from {', '.join(sorted(CITY_JOBS))}")
        task = task_named(CITY_JOBS[job])
        cities = City.objects.filter(is_active=True)
        if city:
            cities = cities.filter(slug=city)
            if not cities.exists():
                raise CommandError(f"no such city: {city}")
        if not city and job in MANY_CITY_TASKS:
            # As the nightly fan-out runs it: many cities a task.
            many, per_task = MANY_CITY_TASKS[job]
            for share in in_shares(list(cities.order_by("pk").values_list("pk", flat=True)), per_task):
                result = task_named(many).apply(args=[share]).get()
                self.stdout.write(f"{job} {len(share)} cities: {result}")
            return
        for c in cities:
            result = task.apply(args=[c.pk]).get()
            self.stdout.write(f"{job} {c.slug}: {result}")
