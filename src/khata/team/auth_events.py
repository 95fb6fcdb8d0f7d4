"""Django's sign-in events → the change log (see TeamConfig.ready for why signals here)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from khata.team.services import sign_in_failure_record, sign_in_record, sign_out_record


@receiver(user_logged_in, dispatch_uid="khata.team.logged_in")
def _logged_in(sender, request, user, **kwargs):
    sign_in_record(user=user, request=request)


@receiver(user_logged_out, dispatch_uid="khata.team.logged_out")
def _logged_out(sender, request, user, **kwargs):
    sign_out_record(user=user, request=request)


@receiver(user_login_failed, dispatch_uid="khata.team.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    sign_in_failure_record(username=credentials.get("username", ""), request=request)
