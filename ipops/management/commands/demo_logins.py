from django.conf import settings
from django.core.management.base import BaseCommand

from ipops.demo import CITIES, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo logins."

    def handle(self, *args, **options):
        out = self.stdout.write
        out("")
        out("IPOps demo — http://127.0.0.1:8000/")
        out(f"Password for every demo user: {settings.DEMO_PASSWORD}")
        for slug, *_ in CITIES:
            out(f"  {slug}: " + ", ".join(f"{slug}.{suffix}" for suffix, _org, _admin in DEMO_USERS))
        out("  pledge finance also: <city>.bank2 (a second bank), <city>.appraiser (评估机构)")
        out("  provincial official (Qingdao + Jinan, read-only): shandong.official")
        out("  platform admin (/admin/): platform.admin")
        out("")
