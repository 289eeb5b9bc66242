"""Turns a route and a principal into a concrete request, and an answer into an outcome."""

from django.apps import apps

from .conftest import World, case_content_type_id, client_for
from .routes import _CONVERTER, ADMIN_OBJECT, PK_OBJECT, Route

# Principals whose requests point at the restricted case's objects; the others at the open one's.
RESTRICTED_PRINCIPALS = {"member", "outsider", "admin-outsider"}


def _scope(world: World, principal: str):
    return world.restricted if principal in RESTRICTED_PRINCIPALS else world.open


def _admin_object_id(world: World, principal: str, pattern: str):
    app_model = "/".join(pattern.split("/")[1:3])
    scope = _scope(world, principal)
    kind = ADMIN_OBJECT.get(app_model)
    if kind == "case_event":
        return scope.case.events.order_by("seq").first().pk
    if kind == "custody_event":
        return scope.evidence.custody.first().pk
    if kind is not None:
        return getattr(scope, kind).pk
    app_label, model = app_model.split("/")
    first = apps.get_model(app_label, model).objects.order_by("pk").first()
    return first.pk if first is not None else 1


def url_for(route: Route, world: World, principal: str) -> str:
    scope = _scope(world, principal)
    if route.name == "admin:app_list":
        return "/admin/cases/"
    if route.pattern.endswith("(?P<url>.*)$"):
        return "/admin/no-such-page/"

    def value(match) -> str:
        name = match.group(1)
        if name == "number":
            return scope.case.number
        if name == "content_type_id":
            return str(case_content_type_id())
        if name in ("object_id", "id"):
            if route.name == "admin:view_on_site":
                return str(scope.case.pk)
            return str(_admin_object_id(world, principal, route.pattern))
        if name == "pk":
            kind = PK_OBJECT[route.name]
            target = getattr(world, kind, None) or getattr(scope, kind)
            return str(target.pk)
        raise KeyError(f"No value for URL argument {name!r} in {route.pattern}")

    return "/" + _CONVERTER.sub(value, route.pattern)


def outcome(response) -> int | str:
    """The status, with a redirect to a sign-in page told apart from any other redirect."""
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(("/login/", "/admin/login/")):
            return "login"
    return response.status_code


class Clients:
    """One signed-in client per principal, reused across routes (signing out gets a new one)."""

    def __init__(self, world: World):
        self.world = world
        self._clients: dict[str, object] = {}

    def __call__(self, principal: str, route: Route):
        if "logout" in route.pattern:
            return client_for(self.world, principal)
        if principal not in self._clients:
            self._clients[principal] = client_for(self.world, principal)
        return self._clients[principal]


def request(clients: Clients, route: Route, world: World, principal: str, method: str):
    client = clients(principal, route)
    url = url_for(route, world, principal)
    send = client.get if method == "GET" else client.post
    return send(url)
