"""Every route, asked by every principal, answers as the declared matrix says."""

from .matrix_client import Clients, outcome, request
from .permission_matrix import MATRIX, PRINCIPALS
from .routes import all_routes


def _expected(line: str) -> dict[str, int | str]:
    values = line.split()
    assert len(values) == len(PRINCIPALS), line
    return {p: (int(v) if v.isdigit() else v) for p, v in zip(PRINCIPALS, values, strict=True)}


def test_every_route_has_a_row():
    undeclared = [r.pattern for r in all_routes() if r.pattern not in MATRIX]
    assert undeclared == [], "Routes missing from tests/security/permission_matrix.py"


def test_every_row_is_a_route():
    patterns = {r.pattern for r in all_routes()}
    assert [p for p in MATRIX if p not in patterns] == []


def test_every_route_answers_every_principal_as_declared(world, settings):
    # Hundreds of anonymous refusals from one address: the matrix is about who may, not how
    # often (tests/security/test_throttling.py is).
    settings.QUARRY_API_RATE_ANON = "100000/min"
    clients = Clients(world)
    mismatches = []
    for route in all_routes():
        for method, line in zip(("GET", "POST"), MATRIX[route.pattern], strict=True):
            for principal, want in _expected(line).items():
                got = outcome(request(clients, route, world, principal, method))
                if got != want:
                    mismatches.append(
                        f"{method} /{route.pattern} as {principal}: {got}, want {want}"
                    )
    assert mismatches == []
