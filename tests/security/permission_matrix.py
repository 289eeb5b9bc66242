"""The permission matrix: what each principal gets from each route, GET and POST.

Every route of the URL configuration must have a row here (test_permission_matrix.py walks the
resolver and fails on a route without one). A row is two answers, for GET and for POST, each a
line of ten outcomes in the order of PRINCIPALS:

    anonymous  detector  roleless  investigator  lead  legal  admin  member  outsider  admin-outsider

- anonymous: no session; detector: a detector's bearer token and no session; roleless: signed
  in but holding no role; investigator, lead, legal, admin: one role each (admin is staff and
  superuser, as `seed_users` makes it). These five ask about objects of an open case.
- member / outsider: investigators who are / are not members of a restricted case, and
  admin-outsider: the admin, who is not a member; these three ask about the restricted case's
  objects (its number, evidence, export, signal...).
- An outcome is the status code, or "login" for a redirect to a sign-in page. POSTs carry no
  body: a 302/400 for a principal who may act means "reached the service, which refused the
  empty form"; role refusals inside services are covered by the cases/accounts/exports tests.
"""

PRINCIPALS = (
    "anonymous",
    "detector",
    "roleless",
    "investigator",
    "lead",
    "legal",
    "admin",
    "member",
    "outsider",
    "admin-outsider",
)

# -- Quarry's own pages -------------------------------------------------------------------
SIGNED_IN = "login login 200 200 200 200 200 200 200 200"
# A case's page or file: 404 whenever the case is hidden (no role, not a member).
CASE_PAGE = "login login 404 200 200 200 200 200 404 404"
# A form posted to a case: the service decides and the page shows its answer (302).
CASE_ACTION = "login login 404 302 302 302 302 302 404 404"
# Account and cluster pages: Quarry's people only; they show no hidden case's content.
STAFF_PAGE = "login login 404 200 200 200 200 200 200 200"
WRONG_METHOD = "login login 405 405 405 405 405 405 405 405"
PUBLIC = "200 200 200 200 200 200 200 200 200 200"
ANYONE_WRONG_METHOD = "405 405 405 405 405 405 405 405 405 405"
SIGNED_OUT_ONLY = "200 200 302 302 302 302 302 302 302 302"

# -- REST API (session authentication; detectors have their own endpoints) ---------------
API_WRONG_METHOD = "403 403 405 405 405 405 405 405 405 405"
API_CASE_READ = "403 403 404 200 200 200 200 200 404 404"
API_CASE_WRITE_INVALID = "403 403 404 400 400 400 400 400 404 404"
# Exports: the legal and lead roles only.
API_EXPORT_READ = "403 403 404 403 200 200 403 403 404 404"
API_STAFF_READ = "403 403 403 200 200 200 200 200 200 200"
DETECTOR_WRONG_METHOD = "401 405 401 401 401 401 401 401 401 401"
DETECTOR_INGEST_EMPTY = "401 415 401 401 401 401 401 401 401 401"

# -- Django admin: staff only; case material filtered by need-to-know --------------------
STAFF_OK = "login login login login login login 200 login login 200"
STAFF_REDIRECT = "login login login login login login 302 login login 302"
STAFF_FORBIDDEN = "login login login login login login 403 login login 403"
STAFF_NOT_FOUND = "login login login login login login 404 login login 404"
STAFF_WRONG_METHOD = "login login login login login login 405 login login 405"
# An object of a restricted case is "not found" (redirect to the list) for the admin outsider.
STAFF_NEED_TO_KNOW = "login login login login login login 200 login login 302"

MATRIX: dict[str, tuple[str, str]] = {
    "": (SIGNED_IN, WRONG_METHOD),
    "login/": (SIGNED_OUT_ONLY, SIGNED_OUT_ONLY),
    "logout/": (ANYONE_WRONG_METHOD, "login login login login login login login login login login"),
    "password/": (SIGNED_IN, SIGNED_IN),
    "password/done/": (SIGNED_IN, WRONG_METHOD),
    "cases/": (SIGNED_IN, WRONG_METHOD),
    "cases/<str:number>/": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/transition": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/comments": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/assign": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/tags": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/members": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/restrict": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/evidence": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/evidence/<int:pk>/download": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/evidence/<int:pk>/preview": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/evidence/<int:pk>/image": (CASE_PAGE, WRONG_METHOD),
    "exports/public-key.pem": (PUBLIC, ANYONE_WRONG_METHOD),
    # The old icon address leads everyone to the static icon, whatever the method.
    "favicon.ico": ("301 " * 9 + "301", "301 " * 9 + "301"),
    "cases/<str:number>/exports": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/exports/<int:pk>": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/exports/<int:pk>/download": (
        "login login 404 403 200 200 403 403 404 404",
        WRONG_METHOD,
    ),
    "cases/<str:number>/legal-hold": (WRONG_METHOD, CASE_ACTION),
    "accounts/<int:pk>/": (STAFF_PAGE, WRONG_METHOD),
    "accounts/clusters/": (STAFF_PAGE, WRONG_METHOD),
    "accounts/clusters/recompute": (WRONG_METHOD, "login login 302 302 302 302 302 302 302 302"),
    "accounts/clusters/recompute/<int:pk>": (STAFF_PAGE, WRONG_METHOD),
    "accounts/clusters/<int:pk>/": (STAFF_PAGE, WRONG_METHOD),
    "accounts/clusters/<int:pk>/graph.json": (STAFF_PAGE, WRONG_METHOD),
    "cases/<str:number>/accounts/": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/accounts/add": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/accounts/bulk": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/accounts/panel": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/graph/": (CASE_PAGE, WRONG_METHOD),
    "cases/<str:number>/graph.json": (CASE_PAGE, WRONG_METHOD),
    "api/v1/cases": (
        "403 403 200 200 200 200 200 200 200 200",
        "403 403 400 400 400 400 400 400 400 400",
    ),
    "api/v1/cases/<str:number>": (API_CASE_READ, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/events": (API_CASE_READ, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/transitions": (API_WRONG_METHOD, API_CASE_WRITE_INVALID),
    "api/v1/cases/<str:number>/exports": (
        API_EXPORT_READ,
        "403 403 404 403 202 202 403 403 404 404",
    ),
    "api/v1/cases/<str:number>/exports/<int:pk>": (API_EXPORT_READ, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/exports/<int:pk>/download": (API_EXPORT_READ, API_WRONG_METHOD),
    "api/v1/accounts/<int:pk>": (API_STAFF_READ, API_WRONG_METHOD),
    "api/v1/clusters/recompute": (API_WRONG_METHOD, "403 403 403 403 202 403 202 403 403 202"),
    "api/v1/clusters/recompute/<int:pk>": (API_STAFF_READ, API_WRONG_METHOD),
    "api/v1/clusters/<int:pk>": (API_STAFF_READ, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/accounts": (API_CASE_READ, API_CASE_WRITE_INVALID),
    "api/v1/cases/<str:number>/accounts/enforcement": (API_WRONG_METHOD, API_CASE_WRITE_INVALID),
    "api/v1/cases/<str:number>/graph": (API_CASE_READ, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/similar": (API_CASE_READ, API_WRONG_METHOD),
    # The case lifecycle (issue 15). The page's Take (above, earlier in the walk) already gave
    # the open case to the investigator and the restricted one to its member: taking again is
    # theirs to repeat, and the lead finds it taken (409); legal and admin may not take.
    "cases/new/": (SIGNED_IN, "login login 400 400 400 400 400 400 400 400"),
    "cases/<str:number>/edit": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/take": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/tasks": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/tasks/<int:pk>": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/merge": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/pending": (WRONG_METHOD, CASE_ACTION),
    "cases/<str:number>/comments/<int:pk>": (CASE_PAGE, CASE_ACTION),
    "cases/<str:number>/signals/<int:pk>": (CASE_PAGE, WRONG_METHOD),
    "api/v1/cases/<str:number>/take": (
        API_WRONG_METHOD,
        "403 403 404 200 409 403 403 200 404 404",
    ),
    "api/v1/cases/<str:number>/tasks": (API_CASE_READ, API_CASE_WRITE_INVALID),
    "api/v1/cases/<str:number>/tasks/<int:pk>": (API_WRONG_METHOD, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/merge": (API_WRONG_METHOD, API_CASE_WRITE_INVALID),
    # A form-encoded empty body reads as accept=false (DRF's HTML boolean): legal and admin
    # are refused by role, the workers by "nothing pending".
    "api/v1/cases/<str:number>/pending": (
        API_CASE_READ,
        "403 403 404 400 400 403 403 400 404 404",
    ),
    "api/v1/cases/<str:number>/notes": (API_CASE_READ, API_CASE_WRITE_INVALID),
    "api/v1/cases/<str:number>/notes/<int:pk>": (API_WRONG_METHOD, API_WRONG_METHOD),
    "api/v1/cases/<str:number>/signals/<int:pk>": (API_CASE_READ, API_WRONG_METHOD),
    "api/v1/signals": (DETECTOR_WRONG_METHOD, DETECTOR_INGEST_EMPTY),
    "api/v1/ocsf/detection-findings": (DETECTOR_WRONG_METHOD, DETECTOR_INGEST_EMPTY),
    "api/v1/detectors/me": ("401 200 401 401 401 401 401 401 401 401", DETECTOR_WRONG_METHOD),
    "api/schema/": (PUBLIC, ANYONE_WRONG_METHOD),
    "api/docs/": (PUBLIC, ANYONE_WRONG_METHOD),
    "admin/": (STAFF_OK, STAFF_OK),
    "admin/login/": ("200 200 200 200 200 200 302 200 200 302", PUBLIC),
    "admin/logout/": (
        "302 302 302 302 302 302 405 302 302 405",
        "302 302 302 302 302 302 login 302 302 login",
    ),
    "admin/password_change/": (STAFF_OK, STAFF_OK),
    "admin/password_change/done/": (STAFF_OK, STAFF_WRONG_METHOD),
    "admin/autocomplete/": (STAFF_FORBIDDEN, STAFF_WRONG_METHOD),
    "admin/jsi18n/": (STAFF_OK, STAFF_WRONG_METHOD),
    "admin/r/<path:content_type_id>/<path:object_id>/": (STAFF_NOT_FOUND, STAFF_NOT_FOUND),
    "admin/auth/group/": (STAFF_OK, STAFF_OK),
    "admin/auth/group/add/": (STAFF_OK, STAFF_OK),
    "admin/auth/group/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/auth/group/<path:object_id>/delete/": (STAFF_OK, STAFF_OK),
    "admin/auth/group/<path:object_id>/change/": (STAFF_OK, STAFF_OK),
    "admin/auth/group/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/auth/user/<id>/password/": (STAFF_OK, STAFF_OK),
    "admin/auth/user/": (STAFF_OK, STAFF_OK),
    "admin/auth/user/add/": (STAFF_OK, STAFF_OK),
    "admin/auth/user/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/auth/user/<path:object_id>/delete/": (STAFF_OK, STAFF_OK),
    "admin/auth/user/<path:object_id>/change/": (STAFF_OK, STAFF_OK),
    "admin/auth/user/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/django_celery_beat/periodictask/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/periodictask/add/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/periodictask/<path:object_id>/history/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/periodictask/<path:object_id>/delete/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/periodictask/<path:object_id>/change/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/periodictask/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/django_celery_beat/clockedschedule/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/clockedschedule/add/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/clockedschedule/<path:object_id>/history/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/clockedschedule/<path:object_id>/delete/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/clockedschedule/<path:object_id>/change/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/clockedschedule/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/django_celery_beat/crontabschedule/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/crontabschedule/add/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/crontabschedule/<path:object_id>/history/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/crontabschedule/<path:object_id>/delete/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/crontabschedule/<path:object_id>/change/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/crontabschedule/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/django_celery_beat/solarschedule/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/solarschedule/add/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/solarschedule/<path:object_id>/history/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/solarschedule/<path:object_id>/delete/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/solarschedule/<path:object_id>/change/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/solarschedule/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/django_celery_beat/intervalschedule/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/intervalschedule/add/": (STAFF_OK, STAFF_OK),
    "admin/django_celery_beat/intervalschedule/<path:object_id>/history/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/intervalschedule/<path:object_id>/delete/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/intervalschedule/<path:object_id>/change/": (
        STAFF_REDIRECT,
        STAFF_REDIRECT,
    ),
    "admin/django_celery_beat/intervalschedule/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/cases/case/": (STAFF_OK, STAFF_OK),
    "admin/cases/case/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/cases/case/<path:object_id>/history/": (STAFF_NEED_TO_KNOW, STAFF_NEED_TO_KNOW),
    "admin/cases/case/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/cases/case/<path:object_id>/change/": (STAFF_NEED_TO_KNOW, STAFF_FORBIDDEN),
    "admin/cases/case/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/cases/caseevent/": (STAFF_OK, STAFF_OK),
    "admin/cases/caseevent/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/cases/caseevent/<path:object_id>/history/": (STAFF_NEED_TO_KNOW, STAFF_NEED_TO_KNOW),
    "admin/cases/caseevent/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/cases/caseevent/<path:object_id>/change/": (STAFF_NEED_TO_KNOW, STAFF_FORBIDDEN),
    "admin/cases/caseevent/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/accounts/account/": (STAFF_OK, STAFF_OK),
    "admin/accounts/account/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/accounts/account/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/accounts/account/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/accounts/account/<path:object_id>/change/": (STAFF_OK, STAFF_FORBIDDEN),
    "admin/accounts/account/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/accounts/attributeweight/": (STAFF_OK, STAFF_OK),
    "admin/accounts/attributeweight/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/accounts/attributeweight/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/accounts/attributeweight/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/accounts/attributeweight/<path:object_id>/change/": (STAFF_OK, STAFF_OK),
    "admin/accounts/attributeweight/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/accounts/cluster/": (STAFF_OK, STAFF_OK),
    "admin/accounts/cluster/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/accounts/cluster/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/accounts/cluster/<path:object_id>/delete/": (STAFF_OK, STAFF_OK),
    "admin/accounts/cluster/<path:object_id>/change/": (STAFF_OK, STAFF_REDIRECT),
    "admin/accounts/cluster/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/accounts/clusterrecompute/": (STAFF_OK, STAFF_OK),
    "admin/accounts/clusterrecompute/add/": (STAFF_OK, STAFF_REDIRECT),
    "admin/accounts/clusterrecompute/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/accounts/clusterrecompute/<path:object_id>/delete/": (STAFF_OK, STAFF_OK),
    "admin/accounts/clusterrecompute/<path:object_id>/change/": (STAFF_OK, STAFF_REDIRECT),
    "admin/accounts/clusterrecompute/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/detector/": (STAFF_OK, STAFF_OK),
    "admin/detection/detector/add/": (STAFF_OK, STAFF_OK),
    "admin/detection/detector/<path:object_id>/history/": (STAFF_OK, STAFF_OK),
    "admin/detection/detector/<path:object_id>/delete/": (STAFF_OK, STAFF_OK),
    "admin/detection/detector/<path:object_id>/change/": (STAFF_OK, STAFF_OK),
    "admin/detection/detector/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/routingsettings/": (STAFF_OK, STAFF_OK),
    "admin/detection/routingsettings/add/": (STAFF_OK, STAFF_OK),
    "admin/detection/routingsettings/<path:object_id>/history/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/routingsettings/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/detection/routingsettings/<path:object_id>/change/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/routingsettings/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/rejectedsignal/": (STAFF_OK, STAFF_OK),
    "admin/detection/rejectedsignal/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/detection/rejectedsignal/<path:object_id>/history/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/rejectedsignal/<path:object_id>/delete/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/rejectedsignal/<path:object_id>/change/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/rejectedsignal/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/detection/signal/": (STAFF_OK, STAFF_OK),
    "admin/detection/signal/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/detection/signal/<path:object_id>/history/": (STAFF_NEED_TO_KNOW, STAFF_NEED_TO_KNOW),
    "admin/detection/signal/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/detection/signal/<path:object_id>/change/": (STAFF_NEED_TO_KNOW, STAFF_FORBIDDEN),
    "admin/detection/signal/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/evidence/evidence/": (STAFF_OK, STAFF_OK),
    "admin/evidence/evidence/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/evidence/evidence/<path:object_id>/history/": (STAFF_NEED_TO_KNOW, STAFF_NEED_TO_KNOW),
    "admin/evidence/evidence/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/evidence/evidence/<path:object_id>/change/": (STAFF_NEED_TO_KNOW, STAFF_FORBIDDEN),
    "admin/evidence/evidence/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/evidence/custodyevent/": (STAFF_OK, STAFF_OK),
    "admin/evidence/custodyevent/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/evidence/custodyevent/<path:object_id>/history/": (
        STAFF_NEED_TO_KNOW,
        STAFF_NEED_TO_KNOW,
    ),
    "admin/evidence/custodyevent/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/evidence/custodyevent/<path:object_id>/change/": (STAFF_NEED_TO_KNOW, STAFF_FORBIDDEN),
    "admin/evidence/custodyevent/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/exports/export/": (STAFF_OK, STAFF_OK),
    "admin/exports/export/add/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/exports/export/<path:object_id>/history/": (STAFF_NEED_TO_KNOW, STAFF_NEED_TO_KNOW),
    "admin/exports/export/<path:object_id>/delete/": (STAFF_FORBIDDEN, STAFF_FORBIDDEN),
    "admin/exports/export/<path:object_id>/change/": (STAFF_NEED_TO_KNOW, STAFF_FORBIDDEN),
    "admin/exports/export/<path:object_id>/": (STAFF_REDIRECT, STAFF_REDIRECT),
    "admin/^(?P<app_label>auth|django_celery_beat|cases|accounts|detection|evidence|exports)/$": (
        STAFF_OK,
        STAFF_OK,
    ),
    "admin/(?P<url>.*)$": (STAFF_NOT_FOUND, STAFF_NOT_FOUND),
}
