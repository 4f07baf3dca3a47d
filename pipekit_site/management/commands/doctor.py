from django.core.management.base import BaseCommand, CommandError

from pipekit_site.doctor import run_checks


class Command(BaseCommand):
    help = (
        "Check the installation: config, state database, secrets file, java, jrunner, each driver's "
        "jars and each connection's secret. Exits non-zero when a check fails."
    )

    def handle(self, *args, **options):
        results = run_checks()
        width = max(len(name) for name, _, _ in results)
        for name, ok, detail in results:
            status = self.style.SUCCESS("ok  ") if ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{status}  {name:{width}}  {detail}")
        failed = sum(not ok for _, ok, _ in results)
        if failed:
            raise CommandError(f"{failed} check{'s' if failed > 1 else ''} failed")
