"""People who use Khata and their API tokens."""

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.core.models import TimeStampedModel
from khata.team.choices import AbsenceReason, AppointmentKind, Role

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class UserManager(BaseUserManager):
    """Creates users by e-mail (there is no separate user name)."""

    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.HEAD)
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: the head of the company or an account manager.

    Superusers are for support staff; the head's rights come from the role, not from flags.
    """

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MANAGER)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("can use the admin"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True,
                                 choices=TIME_ZONE_CHOICES,
                                 help_text=_("Empty: the company's time zone."))

    # For the access layer: a user record is owned by the user it describes.
    access_owner_path = "pk"

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name", "email"]
        verbose_name = _("user")

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_head(self) -> bool:
        return self.is_active and (self.role == Role.HEAD or self.is_superuser)

    def has_perm(self, perm, obj=None) -> bool:
        # The head administers everything in the admin; managers never reach it.
        return self.is_head or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return self.is_head or super().has_module_perms(app_label)


class ApiToken(TimeStampedModel):
    """A bearer token a user made for scripts; only a hash of the secret is kept."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)  # shown in lists, used for lookup
    digest = models.CharField(max_length=64)  # sha256 of the whole token
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    access_owner_path = "user"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class TeamSettings(models.Model):
    """Company-wide rules the head sets for the team (one row)."""

    managers_read_all = models.BooleanField(
        _("managers may read colleagues' portfolios"), default=False,
        help_text=_("Off: a manager sees only their own portfolio (and one they cover). "
                    "On: they may also read, but not change, every colleague's records."))
    updated_at = models.DateTimeField(auto_now=True)

    access_scope = "shared"  # everyone reads the rules; only the head changes them

    class Meta:
        verbose_name = _("team settings")
        verbose_name_plural = _("team settings")

    def __str__(self) -> str:
        return str(_("Team settings"))


class Absence(TimeStampedModel):
    """A manager's time away, with the colleague who holds their rights meanwhile.

    The window is [starts_at, ends_at): the substitute has the rights from the first instant
    up to, not including, the last. Cutting it short moves `ends_at`; nothing is deleted.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="absences",
                             verbose_name=_("absent manager"))
    substitute = models.ForeignKey(User, on_delete=models.PROTECT, related_name="covering",
                                   verbose_name=_("substitute"))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=20, choices=AbsenceReason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("recorded by"))

    # The absent manager owns the record; the substitute may read it (services let only the
    # head or the absent manager change it).
    access_owner_path = ("user", "substitute")

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("absence")
        indexes = [
            models.Index(fields=["substitute", "ends_at"], name="absence_substitute_idx"),
            models.Index(fields=["user", "ends_at"], name="absence_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="absence_ends_after_start"),
            models.CheckConstraint(condition=~models.Q(substitute=models.F("user")),
                                   name="absence_substitute_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_reason_display()})"

    def is_current(self, now=None) -> bool:
        now = now or timezone.now()
        return self.starts_at <= now < self.ends_at


class Appointment(models.Model):
    """The head appointed, dismissed or gave a portfolio to someone: who, whom, when, what."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="appointments",
                             verbose_name=_("person"))
    kind = models.CharField(_("what"), max_length=20, choices=AppointmentKind.choices)
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    details = models.JSONField(_("details"), default=dict, blank=True)

    access_owner_path = "user"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("appointment")

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()}"
