"""OCSF Detection Finding (class_uid 2004) → Quarry signal.

Detectors that already speak OCSF send their findings unchanged; this maps each event onto the
native signal shape and then validates it like any other signal. Errors name the OCSF field.

    finding_info.uid                 → external_id
    severity_id 0–2 / 3 / 4 / 5–6    → low / medium / high / critical (99 "Other": `severity`)
    confidence_score, else confidence_id 1/2/3 → 0–100, else 30/60/90
    time (epoch milliseconds) or time_dt      → observed_at
    finding_info.types[], analytic.name/category matching a Quarry kind → kind, else "other"
    finding_info.title (+ desc)      → summary
    observables[] (see ACCOUNT_TYPE_IDS / ATTRIBUTE_TYPE_IDS) → accounts and their attributes
    the whole event                  → payload
"""

from datetime import UTC, datetime

from cases.models import Severity

from .validation import ATTRIBUTE_TYPES, KINDS, ItemErrors, SignalIn, parse_time, signal_validate

DETECTION_FINDING = 2004

SEVERITY_BY_ID = {
    0: Severity.LOW,
    1: Severity.LOW,
    2: Severity.LOW,
    3: Severity.MEDIUM,
    4: Severity.HIGH,
    5: Severity.CRITICAL,
    6: Severity.CRITICAL,
}
CONFIDENCE_BY_ID = {1: 30, 2: 60, 3: 90}

# Observable type_ids that name the account itself (OCSF 1.x observable type_id enum).
ACCOUNT_TYPE_IDS = {
    4: "User Name",
    21: "User",
    31: "User: uid",
    34: "Account: name",
    35: "Account: uid",
}
EMAIL_TYPE_IDS = {5, 22}
IP_TYPE_ID = 2
HASH_TYPE_IDS = {8, 30}  # Hash, Fingerprint
CREDENTIAL_TYPE_ID = 19
ORGANIZATION_TYPE_ID = 24
API_KEY_PREFIX_CHARS = 12  # never keep a whole credential, only enough to recognise it

_NATIVE_TO_OCSF = {
    "external_id": "finding_info.uid",
    "observed_at": "time",
    "confidence": "confidence_score",
    "severity": "severity_id",
    "summary": "finding_info.title",
    "kind": "finding_info.types",
}


def _kind(event: dict, info: dict) -> str:
    analytic = info.get("analytic") if isinstance(info.get("analytic"), dict) else {}
    candidates = list(info.get("types") or []) if isinstance(info.get("types"), list) else []
    candidates += [analytic.get("name"), analytic.get("category")]
    for raw in candidates:
        if isinstance(raw, str):
            key = raw.strip().lower().replace(" ", "_").replace("-", "_")
            if key in KINDS:
                return key
    return "other"


def _observed_at(event: dict, errors: list) -> str | None:
    # time_dt, when sent, must be a date-time even where `time` decides.
    if event.get("time_dt") is not None:
        parse_time(event["time_dt"], "time_dt", errors, required=True)
    raw = event.get("time")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return datetime.fromtimestamp(raw / 1000, tz=UTC).isoformat()
        except (OverflowError, OSError, ValueError):
            errors.append({"field": "time", "message": "Not a valid epoch time in milliseconds."})
            return None
    if raw is None and isinstance(event.get("time_dt"), str):
        return event["time_dt"]
    errors.append(
        {
            "field": "time",
            "message": "This field is required (epoch milliseconds)."
            if raw is None
            else "Must be epoch milliseconds.",
        }
    )
    return None


def _type_id(observable: dict) -> int | None:
    """An observable's type_id, if it is one (a JSON object there must not break the lookups)."""
    type_id = observable.get("type_id")
    return type_id if type(type_id) is int else None


def _attribute(observable: dict) -> tuple[str, str] | None:
    type_id, value = _type_id(observable), observable.get("value")
    if not isinstance(value, str) or not value:
        return None
    name = str(observable.get("name") or "").lower()
    if type_id == IP_TYPE_ID:
        return "ip", value
    if type_id in EMAIL_TYPE_IDS and "@" in value:
        return "email_domain", value.rsplit("@", 1)[1].lower()
    if type_id in HASH_TYPE_IDS:
        paid = any(word in name for word in ("payment", "card", "billing"))
        return ("payment_fingerprint" if paid else "device_fingerprint"), value
    if type_id == CREDENTIAL_TYPE_ID:
        return "api_key_prefix", value[:API_KEY_PREFIX_CHARS]
    if type_id == ORGANIZATION_TYPE_ID:
        return "org_id", value
    last = name.rsplit(".", 1)[-1]
    if last in ATTRIBUTE_TYPES:
        return last, value
    return None


def _credentials_truncated(event: dict) -> dict:
    """The event as Quarry stores it: each credential (observable type_id 19) cut to its
    first API_KEY_PREFIX_CHARS characters, in the observables and wherever else in the event
    the whole value appears (a title, a message, an evidence record)."""
    whole: set[str] = set()

    def collect(obj) -> None:
        if isinstance(obj, dict):
            value = obj.get("value")
            credential = obj.get("type_id") == CREDENTIAL_TYPE_ID and isinstance(value, str)
            if credential and len(value) > API_KEY_PREFIX_CHARS:
                whole.add(value)
            for item in obj.values():
                collect(item)
        elif isinstance(obj, list):
            for item in obj:
                collect(item)

    def cut(obj):
        if isinstance(obj, dict):
            return {cut(key): cut(item) for key, item in obj.items()}
        if isinstance(obj, list):
            return [cut(item) for item in obj]
        if isinstance(obj, str):
            for value in sorted(whole, key=len, reverse=True):
                obj = obj.replace(value, value[:API_KEY_PREFIX_CHARS])
        return obj

    collect(event)
    return cut(event) if whole else event


def _accounts(observables: list) -> list[dict]:
    names, emails, attributes = [], [], []
    for observable in observables:
        if not isinstance(observable, dict):
            continue
        type_id, value = _type_id(observable), observable.get("value")
        if type_id in ACCOUNT_TYPE_IDS and isinstance(value, str) and value:
            names.append(value)
        elif type_id in EMAIL_TYPE_IDS and isinstance(value, str) and value:
            emails.append(value)
        pair = _attribute(observable)
        if pair:
            attributes.append({"type": pair[0], "value": pair[1]})
    # With no user or account observable, each e-mail address names an account.
    ids = list(dict.fromkeys(names or emails))
    email = emails[0] if len(emails) == 1 and len(ids) == 1 else ""
    return [{"external_id": i, "email": email, "attributes": attributes} for i in ids]


def finding_to_signal(event) -> SignalIn:
    """One OCSF event → a validated SignalIn, or ItemErrors naming OCSF fields."""
    if not isinstance(event, dict):
        raise ItemErrors([{"field": "", "message": "An OCSF event must be a JSON object."}])
    event = _credentials_truncated(event)
    errors: list[dict] = []
    class_uid = event.get("class_uid")
    if class_uid != DETECTION_FINDING:
        errors.append(
            {
                "field": "class_uid",
                "message": "This field is required (2004, Detection Finding)."
                if class_uid is None
                else f"class_uid {class_uid!r} is not a Detection Finding (2004).",
            }
        )
        raise ItemErrors(errors)
    info = event.get("finding_info")
    if not isinstance(info, dict):
        errors.append({"field": "finding_info", "message": "This field is required."})
        info = {}
    elif not info.get("uid"):
        errors.append({"field": "finding_info.uid", "message": "This field is required."})
    severity_id = event.get("severity_id")
    severity = SEVERITY_BY_ID.get(severity_id) if type(severity_id) is int else None
    if severity_id == 99 and isinstance(event.get("severity"), str):
        severity = event["severity"].strip().lower()
    if severity is None:
        errors.append(
            {
                "field": "severity_id",
                "message": "This field is required."
                if severity_id is None
                else f"severity_id {severity_id!r} is not 0–6 or 99.",
            }
        )
    confidence = event.get("confidence_score")
    if confidence is None:
        confidence_id = event.get("confidence_id")
        confidence = CONFIDENCE_BY_ID.get(confidence_id, 50) if type(confidence_id) is int else 50
    observed_at = _observed_at(event, errors)
    if errors:
        raise ItemErrors(errors)
    observables = event.get("observables")
    if observables is None:
        observables = []
    title = info.get("title") or event.get("message") or ""
    desc = info.get("desc") or ""
    native = {
        "external_id": info.get("uid"),
        "kind": _kind(event, info),
        "severity": severity,
        "confidence": confidence,
        "observed_at": observed_at,
        "summary": f"{title}: {desc}" if title and desc else title or desc,
        "accounts": _accounts(observables) if isinstance(observables, list) else [],
        "observables": observables,
        "payload": event,
    }
    try:
        return signal_validate(native)
    except ItemErrors as exc:
        raise ItemErrors(
            [{**e, "field": _NATIVE_TO_OCSF.get(e["field"], e["field"])} for e in exc.errors]
        ) from None
