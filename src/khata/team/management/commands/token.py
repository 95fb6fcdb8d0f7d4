"""`khata token create|list|revoke`: API tokens for scripts."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from khata.team.models import ApiToken, User
from khata.team.services import token_create, token_revoke


def _active_user(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user with the e-mail {email}.")
    if not user.is_active:
        raise CommandError(f"{email} is not active; a token for them would not work.")
    return user


class Command(BaseCommand):
    help = "Create, list or revoke API tokens. Example: khata token create asha@firm.in"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = sub.add_parser("create", help="create a token and print it (once)")
        create.add_argument("email", help="whose token it is")
        create.add_argument("--name", default="command line", help="what the token is for")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("email")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix (see list)")
        revoke.add_argument("prefix", help="the 12 characters after khata_")

    def handle(self, *args, action, **options):
        if action == "create":
            user = _active_user(options["email"])
            try:
                _token, raw = token_create(by=user, user=user, name=options["name"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(raw)
        elif action == "list":
            user = _active_user(options["email"])
            for token in user.api_tokens.all():
                state = "revoked" if token.revoked_at else ("active" if token.is_usable
                                                            else "expired")
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(f"khata_{token.prefix}  {state:<8} last used {used:<16} "
                                  f"{token.name}")
        else:
            prefix = options["prefix"].removeprefix("khata_").split("_")[0]
            token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
            if token is None:
                raise CommandError(f"No token starts with khata_{prefix}.")
            token_revoke(by=token.user, token=token)
            self.stdout.write(f"Revoked khata_{prefix} ({token.name}) of {token.user.email}.")
