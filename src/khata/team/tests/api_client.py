"""A JSON API caller for tests: `bearer_api(client, user)` signs every request with a fresh
bearer token of `user`; `.get/.delete(path, query)`, `.post/.patch/.put(path, json)`."""

from khata.team.services import token_create


class BearerApi:
    """Calls /api/v1 as one user, the way a script does."""

    def __init__(self, client, user):
        _token, raw = token_create(by=user, user=user, name="tests")
        self.client = client
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def _send(self, method: str, path: str, data=None, **extra):
        call = getattr(self.client, method)
        if method in {"post", "patch", "put"}:
            return call(f"/api/v1{path}", data or {}, content_type="application/json",
                        **self.auth, **extra)
        return call(f"/api/v1{path}", data or {}, **self.auth, **extra)

    def get(self, path, data=None, **extra):
        return self._send("get", path, data, **extra)

    def delete(self, path, data=None, **extra):
        return self._send("delete", path, data, **extra)

    def post(self, path, data=None, **extra):
        return self._send("post", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._send("patch", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._send("put", path, data, **extra)


def bearer_api(client, user) -> BearerApi:
    return BearerApi(client, user)
