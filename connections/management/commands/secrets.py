from getpass import getpass

from django.core.management.base import BaseCommand, CommandError

from connections import secrets


class Command(BaseCommand):
    help = (
        "Store a secret in the secrets file (set KEY [VALUE]; prompts without echo when VALUE is "
        "omitted) or list the stored keys (list). Values are never printed."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        set_parser = actions.add_parser("set", help="Add or replace KEY; reference it as $KEY.")
        set_parser.add_argument("key")
        set_parser.add_argument("value", nargs="?", help="Omit it to type it at a prompt, unseen.")
        actions.add_parser("list", help="Print the stored keys, one per line.")

    def handle(self, *args, action, **options):
        path = secrets.secrets_path()
        if action == "list":
            for key in secrets.read(path):
                self.stdout.write(key)
            return
        key, value = options["key"], options["value"]
        if value is None:
            value = getpass(f"Value of {key} (not shown): ")
        if not value:
            raise CommandError(f"no value given; {key} was not stored")
        try:
            secrets.set_secret(key, value, path)
        except secrets.SecretError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{key} stored in {path}; reference it as ${key}")
