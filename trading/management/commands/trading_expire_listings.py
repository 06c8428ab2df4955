from django.core.management.base import BaseCommand, CommandError

from ipops.models import City
from trading.tasks import expire_listings


class Command(BaseCommand):
    help = "Expire listings past their expiry date now (the nightly beat job, in this process)."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="city slug (default: every active city)")

    def handle(self, *args, city=None, **options):
        cities = City.objects.filter(is_active=True)
        if city:
            cities = cities.filter(slug=city)
            if not cities.exists():
                raise CommandError(f"no such city: {city}")
        for c in cities:
            self.stdout.write(f"{c.slug}: {expire_listings.apply(args=[c.pk]).get()} listings expired")
