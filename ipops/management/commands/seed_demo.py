import importlib
import time

from django.core.management.base import BaseCommand

from ipops import demo
from ipops.tenancy import city_scope

#: Apps that add demo data, in dependency order; each may provide `<app>.demo.seed(city=...)`.
DEMO_APPS = ["trading", "pledge_finance", "funds", "subsidies", "reporting"]


class Command(BaseCommand):
    help = "Load the demo cities, organisations, users and records (idempotent, deterministic)."

    def handle(self, *args, **options):
        started = time.monotonic()
        cities = demo.seed()
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            for city in cities:
                with city_scope(city):
                    module.seed(city=city)
                self.stdout.write(f"  {app}: {city.slug} done")
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready for {', '.join(c.slug for c in cities)} in {time.monotonic() - started:.1f}s"
            )
        )
