"""API of the team app: who am I, and my tokens."""

from datetime import datetime

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from khata.team.access import get_visible_or_404
from khata.team.models import ApiToken
from khata.team.selectors import tokens_of
from khata.team.services import token_create, token_revoke

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
