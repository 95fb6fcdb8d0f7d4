from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "khata.team"
    label = "team"
    verbose_name = "Team"

    def ready(self) -> None:
        # Django's own auth events (sign-in, sign-out, failed sign-in) come as signals from
        # every login path (our form, the admin, axes); they are audit records, not business flow.
        from khata.core.changelog import set_on_behalf_resolver
        from khata.team import auth_events  # noqa: F401
        from khata.team.access import acting_for

        set_on_behalf_resolver(acting_for)
