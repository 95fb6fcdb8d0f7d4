"""API of the team app: who am I, my tokens, the team (appoint, dismiss, roles, settings)
and absences with their substitutes."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from khata.team.access import ensure, get_visible_or_404, is_head
from khata.team.models import Absence, ApiToken, User
from khata.team.selectors import (
    absences_upcoming,
    absences_visible,
    holdings_of,
    team_settings,
    tokens_of,
    users_visible,
)
from khata.team.services import (
    HandoverPlan,
    absence_end,
    absence_record,
    absence_update,
    team_settings_set,
    token_create,
    token_revoke,
    user_appoint,
    user_by_reference,
    user_dismiss,
    user_set_role,
)

router = Router(tags=["team"])


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    role_label: str
    time_zone: str
    is_head: bool

    @staticmethod
    def resolve_role_label(obj) -> str:
        return str(obj.get_role_display())


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str
    expires_at: datetime | None = None


class TokenCreatedOut(TokenOut):
    token: str


@router.get("/me", response=MeOut, summary="The signed-in user")
def me(request):
    return request.auth_user


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
@paginate
def tokens(request):
    return tokens_of(user=request.auth_user, owner=request.auth_user)


@router.post("/tokens", response={201: TokenCreatedOut},
             summary="Create a token (the secret is shown once)")
def token_add(request, payload: TokenIn):
    token, raw = token_create(by=request.auth_user, user=request.auth_user,
                              name=payload.name, expires_at=payload.expires_at)
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{token_id}", response=TokenOut, summary="Revoke a token")
def token_delete(request, token_id: int):
    token = get_visible_or_404(request.auth_user, ApiToken, token_id)
    return token_revoke(by=request.auth_user, token=token)


# ---------------------------------------------------------------- the team (head) and absences

class PersonOut(Schema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool


class AbsenceOut(Schema):
    id: int
    user: PersonOut
    substitute: PersonOut
    starts_at: datetime
    ends_at: datetime
    reason: str
    note: str
    is_current: bool

    @staticmethod
    def resolve_is_current(obj) -> bool:
        return obj.is_current()


class AbsenceIn(Schema):
    user: str | None = Field(None, description="id or e-mail of who is away (default: me; "
                                               "only the head may name someone else)")
    substitute: str = Field(description="id or e-mail of the colleague who covers")
    starts_at: datetime
    ends_at: datetime = Field(description="the first instant the absence is over")
    reason: str = Field(description="illness, vacation, business_trip or other")
    note: str = ""


class AbsencePatch(Schema):
    substitute: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    reason: str | None = None
    note: str | None = None


class AppointIn(Schema):
    email: str
    name: str = ""
    role: str = "manager"


class AppointedOut(PersonOut):
    set_password_url: str


class HandoverIn(Schema):
    to: str = Field(description="id or e-mail of who receives the records (or the rest of "
                                "them, with a split)")
    split_by: str = Field("", description="region, country or industry (an industry's id)")
    assignments: dict[str, str] = Field(default_factory=dict,
                                        description="value of split_by → id or e-mail")


class HoldingOut(Schema):
    label: str
    count: int
    moves: bool


class HandoverOut(Schema):
    moved: dict[str, int]


class RoleIn(Schema):
    role: str


class SettingsOut(Schema):
    managers_read_all: bool


@router.get("/team/members", response=list[PersonOut], summary="People in my reach")
@paginate
def members(request):
    return users_visible(user=request.auth_user)


@router.post("/team/members", response={201: AppointedOut},
             summary="Appoint a manager (head only); returns their one-time set-password link")
def member_appoint(request, payload: AppointIn):
    user, path = user_appoint(by=request.auth_user, email=payload.email, name=payload.name,
                              role=payload.role)
    user.set_password_url = request.build_absolute_uri(path)
    return Status(201, user)


@router.patch("/team/members/{user_id}", response=PersonOut, summary="Change a role (head)")
def member_role(request, user_id: int, payload: RoleIn):
    person = get_visible_or_404(request.auth_user, User, user_id)
    return user_set_role(by=request.auth_user, user=person, role=payload.role)


@router.get("/team/members/{user_id}/holdings", response=list[HoldingOut],
            summary="What a person holds, before a dismissal (head)")
def member_holdings(request, user_id: int):
    ensure(request.auth_user, "dismiss")
    person = get_visible_or_404(request.auth_user, User, user_id)
    return holdings_of(user=request.auth_user, person=person)


@router.post("/team/members/{user_id}/dismiss", response=HandoverOut,
             summary="Dismiss and hand over everything at once (head)")
def member_dismiss(request, user_id: int, payload: HandoverIn):
    ensure(request.auth_user, "dismiss")
    person = get_visible_or_404(request.auth_user, User, user_id)
    moved = user_dismiss(by=request.auth_user, user=person, plan=HandoverPlan(
        to=payload.to, split_by=payload.split_by, assignments=payload.assignments))
    return {"moved": moved}


@router.get("/team/settings", response=SettingsOut)
def settings_get(request):
    return team_settings()


@router.put("/team/settings", response=SettingsOut, summary="Change the team's rules (head)")
def settings_put(request, payload: SettingsOut):
    return team_settings_set(by=request.auth_user, managers_read_all=payload.managers_read_all)


@router.get("/absences", response=list[AbsenceOut],
            summary="Absences I may see: mine, those I cover (the head: all)")
@paginate
def absences(request, current: bool = False):
    items = absences_visible(user=request.auth_user)
    if current:
        items = absences_upcoming(user=request.auth_user)
    return items


@router.post("/absences", response={201: AbsenceOut}, summary="Record an absence")
def absence_add(request, payload: AbsenceIn):
    absent = request.auth_user
    if payload.user:
        # Only the head records a colleague's absence; ask before looking the person up, so a
        # manager cannot learn who works here from the answer.
        found = user_by_reference(payload.user)
        if not is_head(request.auth_user) and (found is None or found.pk != absent.pk):
            raise PermissionDenied(_("Only the head may record a colleague's absence."))
        if found is None:
            raise ValidationError({"user": [_("No such person.")]})
        absent = found
    absence = absence_record(by=request.auth_user, user=absent, data=payload.dict(
        exclude={"user"}))
    return Status(201, absence)


@router.get("/absences/{absence_id}", response=AbsenceOut)
def absence_get(request, absence_id: int):
    return get_visible_or_404(request.auth_user, Absence, absence_id)


@router.patch("/absences/{absence_id}", response=AbsenceOut,
              summary="Extend, shorten or re-staff an absence")
def absence_patch(request, absence_id: int, payload: AbsencePatch):
    absence = get_visible_or_404(request.auth_user, Absence, absence_id)
    return absence_update(by=request.auth_user, absence=absence,
                          data=payload.dict(exclude_unset=True))


@router.post("/absences/{absence_id}/end", response={200: AbsenceOut, 204: None},
             summary="End an absence now (a future one is cancelled: 204)")
def absence_stop(request, absence_id: int):
    absence = get_visible_or_404(request.auth_user, Absence, absence_id)
    ended = absence_end(by=request.auth_user, absence=absence)
    return Status(204, None) if ended is None else ended
