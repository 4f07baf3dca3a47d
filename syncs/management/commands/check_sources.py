from django.core.management.base import BaseCommand, CommandError

from connections import jrunner
from syncs.models import Module
from syncs.schema import check_module_source


class Command(BaseCommand):
    help = (
        "Compare each enabled module's source query columns with the module's, loading nothing; "
        "exit non-zero when a run would fail on them."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="only these modules (default: every enabled one)")

    def handle(self, *args, names=(), **options):
        modules = Module.objects.select_related("source__driver", "dest__driver").filter(enabled=True)
        if names:
            modules = modules.filter(name__in=names)
        failing = []
        # One JVM for every module's query: a JVM start each would cost 0.3 s a module.
        with jrunner.warm(keep=False):
            for module in modules:
                drift = check_module_source(module)
                if drift.problems:
                    failing.append(module.name)
                self.stdout.write(self.line(module, drift))
        if failing:
            raise CommandError(f"{len(failing)} module(s) would fail: {', '.join(failing)}")

    @staticmethod
    def line(module, drift):
        if drift.problems:
            return f"{module.name}: would fail: {'; '.join(drift.problems)}"
        notes = [f"new column {c['name']} ({c['source_type']}) is left out" for c in drift.extra]
        notes += [f"column {c['source_name']} is {c['now']} now, not {c['was']}" for c in drift.retyped]
        return f"{module.name}: ok" + "".join(f"; warning: {n}" for n in notes)
