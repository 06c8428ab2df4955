from django.core.management.base import BaseCommand

from ipops import outbox


class Command(BaseCommand):
    help = "Send the tasks waiting in the outbox (a broker outage left them unsent), oldest first."

    def add_arguments(self, parser):
        parser.add_argument("--queue", help="send every message to this queue instead of its own")

    def handle(self, *args, queue=None, **options):
        sent = outbox.sweep(queue=queue)
        left = outbox.waiting()
        self.stdout.write(f"sent {sent}; {left} still waiting")
