from django.core.management.base import BaseCommand

from scheduling.retention import give_space_back, prune_runs, prune_verifications, vacuum_mode


class Command(BaseCommand):
    help = (
        "Delete finished runs and verifications older than run_retention_days (config.yaml) and give "
        "the space back."
    )

    def handle(self, *args, **options):
        runs, group_runs = prune_runs()
        verifications = prune_verifications()
        converting = vacuum_mode() == 0
        if converting:
            self.stdout.write("Converting the state database to incremental vacuum (one VACUUM)…")
        give_space_back(convert=True)
        self.stdout.write(f"Deleted {runs} runs, {group_runs} group runs and {verifications} verifications.")
