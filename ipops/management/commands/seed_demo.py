import time

from django.core.management.base import BaseCommand

from ipops import demo
from ipops.platform import modules
from ipops.tenancy import city_scope


class Command(BaseCommand):
    help = "Load the demo cities, organisations, users and records (idempotent, deterministic)."

    def handle(self, *args, **options):
        started = time.monotonic()
        cities = demo.seed()
        # Each app's `seed(*, city)`, in the apps' `demo_order` (PlatformApp.demo).
        for module in modules("demo"):
            for city in cities:
                with city_scope(city):
                    module.seed(city=city)
                self.stdout.write(f"  {module.__name__}: {city.slug} done")
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready for {', '.join(c.slug for c in cities)} in {time.monotonic() - started:.1f}s"
            )
        )
