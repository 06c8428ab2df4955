from django.core.management.base import BaseCommand, CommandError

from ipops.models import City


class Command(BaseCommand):
    help = "Mark unpaid pledge-loan instalments past their due date overdue (the nightly job, run now)."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="city slug (default: every active city)")

    def handle(self, *args, city=None, **options):
        from pledge_finance.tasks import mark_overdue

        cities = City.objects.filter(is_active=True)
        if city:
            cities = cities.filter(slug=city)
            if not cities.exists():
                raise CommandError(f"no such city: {city}")
        for c in cities:
            marked = mark_overdue.apply(args=[c.pk]).get()
            self.stdout.write(f"pledge_mark_overdue {c.slug}: {marked} instalments marked overdue")
