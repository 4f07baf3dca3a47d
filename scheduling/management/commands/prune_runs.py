from django.core.management.base import BaseCommand

from scheduling.retention import give_space_back, prune_runs, vacuum_mode


class Command(BaseCommand):
    help = "Delete finished runs older than run_retention_days (config.yaml) and give the space back."

    def handle(self, *args, **options):
        runs, group_runs = prune_runs()
        converting = vacuum_mode() == 0
        if converting:
            self.stdout.write("Converting the state database to incremental vacuum (one VACUUM)…")
        give_space_back(convert=True)
        self.stdout.write(f"Deleted {runs} runs and {group_runs} group runs.")
