"""A finished bundle holds the whole case: only Quarry's own user may read the file."""

import os
import stat

from cases.models import CaseMember
from tests.exports.conftest import build, bundle_file
from tests.factories import make_case


def test_a_restricted_case_s_bundle_is_readable_by_its_owner_only(lena, larry):
    case = make_case(created_by=lena, title="Weight leak", restricted=True)
    CaseMember.objects.get_or_create(case=case, user=larry)
    old = os.umask(0o022)
    try:
        export = build(case, larry)
    finally:
        os.umask(old)
    assert export.status == "done"
    assert stat.S_IMODE(bundle_file(export).stat().st_mode) == 0o600


def test_every_bundle_is_owner_only(case, larry):
    export = build(case, larry)
    assert stat.S_IMODE(bundle_file(export).stat().st_mode) == 0o600
