from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pipekit_site.auth import VIEW, refusal
from pipekit_site.models import ApiToken


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (Authorization: Bearer <token>). A new token is printed once."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a token for USER and print it.")
        create.add_argument("user")
        create.add_argument("--name", default="")
        actions.add_parser("list", help="List every token: id, user, name, created, last used.")
        revoke = actions.add_parser("revoke", help="Delete the token with this id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        if action == "create":
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
            reason = refusal(user, VIEW)
            if reason:
                self.stderr.write(
                    f"Note: the API refuses this token until {user.username} may use it: {reason}"
                )
            token, secret = ApiToken.issue(user, options["name"])
            self.stdout.write(f"Token {token.pk} for {user.username} (shown once, store it now):\n{secret}")
        elif action == "list":
            for token in ApiToken.objects.select_related("user"):
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                name = token.name or "-"
                self.stdout.write(
                    f"{token.pk}\t{token.user.username}\t{name}\t{token.created_at:%Y-%m-%d %H:%M}\t{used}"
                )
        else:
            deleted, _ = ApiToken.objects.filter(pk=options["id"]).delete()
            if not deleted:
                raise CommandError(f"No API token with id {options['id']}.")
            self.stdout.write(f"Token {options['id']} revoked.")
