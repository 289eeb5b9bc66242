"""Validation of signals as detectors send them (pushed, pulled, or mapped from OCSF).

Plain Python rather than DRF serializers: a batch holds up to 5,000 items and this runs on
every one of them, so it must cost microseconds. Each item yields either a `SignalIn` or the
list of its field errors; an invalid item never reaches the database."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

import msgspec
import orjson
from django.conf import settings

from accounts.models import AttributeType
from cases.models import Severity

from .models import SignalKind

SEVERITIES = frozenset(Severity.values)
KINDS = frozenset(SignalKind.values)
ATTRIBUTE_TYPES = frozenset(AttributeType.values)
MAX_BATCH = 5000
MAX_ACCOUNTS_PER_SIGNAL = 200
MAX_ATTRIBUTES_PER_ACCOUNT = 100
MAX_SUMMARY = 10_000
MAX_JSON_CHARS = 256 * 1024
MAX_EXTERNAL_ID = 200  # a signal's or an account's id at the detector
MAX_NAME = 200  # an account's name and organisation
MAX_EMAIL = 320
MAX_COUNTRY = 2  # ISO 3166-1 alpha-2
MAX_ATTRIBUTE_VALUE = 500
# Deeper than this, a payload or observables is refused: nothing a detector means nests so
# deep, and the standard library's JSON reader and writer recurse (a RecursionError was a 500).
MAX_JSON_DEPTH = 64
# observed_at before this is a detector's bug (an epoch of 0, year 1), not an observation.
OBSERVED_AT_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)
SIGNAL_FIELDS = frozenset(
    [
        "external_id",
        "kind",
        "severity",
        "confidence",
        "observed_at",
        "summary",
        "accounts",
        "observables",
        "payload",
    ]
)
ACCOUNT_FIELDS = frozenset(
    ["external_id", "name", "email", "organisation", "country", "signup_at", "attributes"]
)
ATTRIBUTE_FIELDS = frozenset(["type", "value"])


def _text_type(max_len: int, min_len: int = 0):
    return Annotated[str, msgspec.Meta(min_length=min_len, max_length=max_len)]


# The decoded objects are left out of the cyclic garbage collector's sight (gc=False): none of
# them can be part of a reference cycle (they hold text, numbers and lists of each other, and
# nothing points back), and a batch of 5,000 signals is tens of thousands of them, each of
# which the collector would otherwise walk. Decoding a batch of 1,000: 0.90 → 0.76 ms.


class Attribute(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """One attribute of an account (frozen, so equal attributes fold in a set)."""

    type: Literal[tuple(sorted(ATTRIBUTE_TYPES))]  # type: ignore[valid-type]
    value: _text_type(MAX_ATTRIBUTE_VALUE, 1)


class AccountIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An account a signal names. Its attributes may repeat (the fast path does not fold them:
    storing them does)."""

    external_id: _text_type(MAX_EXTERNAL_ID, 1)
    name: _text_type(MAX_NAME) = ""
    email: _text_type(MAX_EMAIL) = ""
    organisation: _text_type(MAX_NAME) = ""
    country: _text_type(MAX_COUNTRY) = ""
    # Decoded as text by the fast path, then read by `parse_time` like the slow path does (so
    # both take the same forms: msgspec's own reader takes fewer, and rounds where Python
    # truncates); a UTC datetime once checked.
    signup_at: str | None = None
    attributes: Annotated[list[Attribute], msgspec.Meta(max_length=MAX_ATTRIBUTES_PER_ACCOUNT)] = []


# The value of a JSON field an item does not have: msgspec leaves this very object there.
_ABSENT = msgspec.Raw(b"null")


class SignalIn(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A valid signal, ready to store. The annotations are also the fast path's schema (see
    `signals_decode_fast`): there `accounts` may hold bare account ids and the two JSON fields
    arrive as raw JSON, until the fast path's own pass turns them into what the slow path
    builds."""

    external_id: _text_type(MAX_EXTERNAL_ID, 1)
    kind: Literal[tuple(sorted(KINDS))]  # type: ignore[valid-type]
    severity: Literal[tuple(sorted(SEVERITIES))]  # type: ignore[valid-type]
    confidence: Annotated[int, msgspec.Meta(ge=0, le=100)]
    observed_at: str  # as signup_at
    summary: _text_type(MAX_SUMMARY) = ""
    accounts: Annotated[
        list[_text_type(MAX_EXTERNAL_ID, 1) | AccountIn],
        msgspec.Meta(max_length=MAX_ACCOUNTS_PER_SIGNAL),
    ] = []
    observables_json: msgspec.Raw = msgspec.field(default=_ABSENT, name="observables")
    payload_json: msgspec.Raw = msgspec.field(default=_ABSENT, name="payload")


class ItemErrors(Exception):
    def __init__(self, errors: list[dict]):
        self.errors = errors


def _utf8_ok(text: str) -> bool:
    if text.isascii():
        return "\x00" not in text
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(raw, where: tuple, errors: list, *, max_len: int, required: bool = False) -> str:
    """A string field; `where` is the field's path in parts, joined only if there is an error
    (this runs for every field of every item, so it must not build strings it does not need)."""
    if type(raw) is str and 0 < len(raw) <= max_len and (raw.isascii() and "\x00" not in raw):
        return raw
    if raw is None or raw == "":
        if required:
            errors.append({"field": "".join(where), "message": "This field is required."})
        return ""
    if not isinstance(raw, str):
        errors.append({"field": "".join(where), "message": "Must be a string."})
        return ""
    if len(raw) > max_len:
        errors.append({"field": "".join(where), "message": f"At most {max_len} characters."})
        return ""
    if not _utf8_ok(raw):
        errors.append(
            {"field": "".join(where), "message": "Contains a NUL character or invalid Unicode."}
        )
        return ""
    return raw


def parse_time(raw, name: str, errors: list, *, required: bool) -> datetime | None:
    """None is an absent time; an empty string is no time at all, refused like any bad one."""
    if raw is None or (raw == "" and required):
        if required:
            errors.append({"field": name, "message": "This field is required."})
        return None
    if not isinstance(raw, str):
        errors.append({"field": name, "message": "Must be an ISO 8601 date-time string."})
        return None
    try:
        # RFC 3339 allows a lower-case t and z, which Python's parser does not take.
        value = datetime.fromisoformat(raw.upper())
    except ValueError:
        errors.append({"field": name, "message": "Not an ISO 8601 date-time."})
        return None
    if value.tzinfo is None:
        errors.append({"field": name, "message": "Must include a time zone, e.g. Z or +00:00."})
        return None
    # Stored as UTC: PostgreSQL refuses offsets past ±15:59 that ISO 8601 allows.
    try:
        return value.astimezone(UTC)
    except OverflowError:
        errors.append({"field": name, "message": "Date-time out of range."})
        return None


def _not_blank(value: str, name: str, errors: list) -> str:
    """An identifier of nothing but spaces names nothing: refused like a missing one."""
    if value.isspace():
        errors.append({"field": name, "message": "Must not be blank."})
        return ""
    return value


def _future_skew() -> timedelta:
    return timedelta(seconds=settings.QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS)


def observed_at_check(value: datetime | None, latest: datetime, errors: list) -> None:
    """observed_at must lie between OBSERVED_AT_FLOOR and `latest` (now plus the allowed
    clock skew): 2099 or year 1 is a detector's bug, and routing and SLAs would inherit it."""
    if value is None:
        return
    if value > latest:
        errors.append(
            {
                "field": "observed_at",
                "message": "Lies in the future: at most "
                f"{settings.QUARRY_SIGNAL_MAX_FUTURE_SKEW_SECONDS} seconds ahead of "
                "Quarry's clock are allowed.",
            }
        )
    elif value < OBSERVED_AT_FLOOR:
        errors.append(
            {
                "field": "observed_at",
                "message": f"Before {OBSERVED_AT_FLOOR.date().isoformat()}: not a real observation.",
            }
        )


def _unknown_fields(raw: dict, known: frozenset, at: str, errors: list) -> None:
    """Unknown fields are refused, not dropped: a misspelt `sumary` would lose the summary."""
    for key in raw.keys() - known:
        errors.append(
            {
                "field": f"{at}{key}",
                "message": "Unknown field; the fields are " + ", ".join(sorted(known)) + ".",
            }
        )


def _too_deep(value, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests deeper than `limit`, walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if type(item) is dict:
            stack.extend((v, depth + 1) for v in item.values() if type(v) in (dict, list))
        elif type(item) is list:
            stack.extend((v, depth + 1) for v in item if type(v) in (dict, list))
    return False


def _json(raw, name: str, errors: list, *, default: str, kind: type) -> str:
    if raw is None:
        return default
    if not isinstance(raw, kind):
        errors.append(
            {
                "field": name,
                "message": f"Must be a JSON {kind.__name__.replace('dict', 'object').replace('list', 'array')}.",
            }
        )
        return default
    try:
        # Compact and UTF-8 like the standard library's with ensure_ascii=False, ~15× faster.
        text = orjson.dumps(raw).decode()
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        # Lone surrogates, integers beyond 64 bits or deep nesting: the standard library writes
        # the first two and the checks below refuse what PostgreSQL would.
        deep = _too_deep(raw)
        text = "" if deep else json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    # Nesting can only be deep where brackets are many: the walk runs for few values.
    if text == "" or (text.count("{") + text.count("[") > MAX_JSON_DEPTH and _too_deep(raw)):
        errors.append({"field": name, "message": f"Nested deeper than {MAX_JSON_DEPTH} levels."})
        return default
    if len(text) > MAX_JSON_CHARS:
        errors.append({"field": name, "message": f"At most {MAX_JSON_CHARS} characters of JSON."})
        return default
    # PostgreSQL's jsonb refuses \u0000 and lone surrogates; refuse them here, per item.
    if "\\u0000" in text or not _utf8_ok(text):
        errors.append({"field": name, "message": "Contains a NUL character or invalid Unicode."})
        return default
    return text


_PLAIN_ACCOUNT_FIELDS = frozenset(["external_id", "attributes"])


def _plain_text(raw, max_len: int) -> bool:
    return type(raw) is str and 0 < len(raw) <= max_len and raw.isascii() and "\x00" not in raw


def _account_plain(raw) -> AccountIn | None:
    """The shape nearly every detector sends, an id and valid attributes, checked in one pass;
    None for anything else, which the full check then reports on field by field."""
    attrs = raw.get("attributes", ())
    if (
        not raw.keys() <= _PLAIN_ACCOUNT_FIELDS
        or type(attrs) not in (list, tuple)
        or len(attrs) > MAX_ATTRIBUTES_PER_ACCOUNT
        or not _plain_text(raw.get("external_id"), MAX_EXTERNAL_ID)
        or raw["external_id"].isspace()
    ):
        return None
    pairs = []
    for attr in attrs:
        if type(attr) is not dict or len(attr) != 2:
            return None
        kind, value = attr.get("type"), attr.get("value")
        # _plain_text, inlined: this line runs for every attribute of every account.
        if (
            type(kind) is not str
            or kind not in ATTRIBUTE_TYPES
            or type(value) is not str
            or not 0 < len(value) <= MAX_ATTRIBUTE_VALUE
            or not value.isascii()
            or "\x00" in value
        ):
            return None
        pairs.append(Attribute(kind, value))
    return AccountIn(external_id=raw["external_id"], attributes=list(dict.fromkeys(pairs)))


def _account(raw, j: int, errors: list) -> AccountIn | None:
    if type(raw) is dict:
        plain = _account_plain(raw)
        if plain is not None:
            return plain
    at = f"accounts[{j}]"
    if isinstance(raw, str):
        ext = _text(raw, (at,), errors, max_len=MAX_EXTERNAL_ID, required=True)
        ext = _not_blank(ext, at, errors)
        return AccountIn(external_id=ext) if ext else None
    if not isinstance(raw, dict):
        errors.append({"field": at, "message": "Must be an object or an account id string."})
        return None
    before = len(errors)
    get = raw.get
    _unknown_fields(raw, ACCOUNT_FIELDS, f"{at}.", errors)
    ext = _text(
        get("external_id"), (at, ".external_id"), errors, max_len=MAX_EXTERNAL_ID, required=True
    )
    ext = _not_blank(ext, f"{at}.external_id", errors)
    attrs = get("attributes")
    if attrs is None:
        attrs = []
    elif not isinstance(attrs, list):
        errors.append({"field": f"{at}.attributes", "message": "Must be an array."})
        attrs = []
    elif len(attrs) > MAX_ATTRIBUTES_PER_ACCOUNT:
        errors.append(
            {"field": f"{at}.attributes", "message": f"At most {MAX_ATTRIBUTES_PER_ACCOUNT}."}
        )
        attrs = []
    pairs = []
    for k, attr in enumerate(attrs):
        if not isinstance(attr, dict):
            errors.append(
                {
                    "field": f"{at}.attributes[{k}]",
                    "message": "Must be an object with type and value.",
                }
            )
            continue
        _unknown_fields(attr, ATTRIBUTE_FIELDS, f"{at}.attributes[{k}].", errors)
        kind = attr.get("type")
        if not isinstance(kind, str) or kind not in ATTRIBUTE_TYPES:
            errors.append(
                {
                    "field": f"{at}.attributes[{k}].type",
                    "message": f"Unknown attribute type {kind!r}; one of "
                    + ", ".join(sorted(ATTRIBUTE_TYPES))
                    + ".",
                }
            )
            continue
        value = _text(
            attr.get("value"),
            (at, f".attributes[{k}].value"),
            errors,
            max_len=MAX_ATTRIBUTE_VALUE,
            required=True,
        )
        if value:
            pairs.append(Attribute(kind, value))
    signup_at = get("signup_at")
    account = AccountIn(
        external_id=ext,
        name=_text(get("name"), (at, ".name"), errors, max_len=MAX_NAME),
        email=_text(get("email"), (at, ".email"), errors, max_len=MAX_EMAIL),
        organisation=_text(get("organisation"), (at, ".organisation"), errors, max_len=MAX_NAME),
        country=_text(get("country"), (at, ".country"), errors, max_len=MAX_COUNTRY).upper(),
        signup_at=None
        if signup_at is None
        else parse_time(signup_at, f"{at}.signup_at", errors, required=False),
        attributes=list(dict.fromkeys(pairs)),
    )
    return account if len(errors) == before else None


def signal_validate(raw) -> SignalIn:
    """One item → a SignalIn, or ItemErrors naming every field at fault."""
    if not isinstance(raw, dict):
        raise ItemErrors([{"field": "", "message": "A signal must be a JSON object."}])
    errors: list[dict] = []
    if not raw.keys() <= SIGNAL_FIELDS:
        _unknown_fields(raw, SIGNAL_FIELDS, "", errors)
    external_id = _text(
        raw.get("external_id"), ("external_id",), errors, max_len=MAX_EXTERNAL_ID, required=True
    )
    if external_id.isspace():
        external_id = _not_blank(external_id, "external_id", errors)
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        errors.append(
            {
                "field": "kind",
                "message": "This field is required."
                if kind is None
                else f"Unknown kind {kind!r}; one of " + ", ".join(sorted(KINDS)) + ".",
            }
        )
    severity = raw.get("severity")
    if not isinstance(severity, str) or severity not in SEVERITIES:
        errors.append(
            {
                "field": "severity",
                "message": "This field is required."
                if severity is None
                else "Must be one of low, medium, high, critical.",
            }
        )
    confidence = raw.get("confidence")
    if confidence is None:
        errors.append({"field": "confidence", "message": "This field is required."})
    elif (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not 0 <= confidence <= 100
        or confidence != int(confidence)
    ):
        errors.append({"field": "confidence", "message": "Must be an integer from 0 to 100."})
    observed_at = parse_time(raw.get("observed_at"), "observed_at", errors, required=True)
    observed_at_check(observed_at, datetime.now(UTC) + _future_skew(), errors)
    summary = _text(raw.get("summary"), ("summary",), errors, max_len=MAX_SUMMARY)
    accounts_raw = raw.get("accounts")
    if accounts_raw is None:
        accounts_raw = []
    accounts: list[AccountIn] = []
    if not isinstance(accounts_raw, list):
        errors.append({"field": "accounts", "message": "Must be an array."})
    elif len(accounts_raw) > MAX_ACCOUNTS_PER_SIGNAL:
        errors.append({"field": "accounts", "message": f"At most {MAX_ACCOUNTS_PER_SIGNAL}."})
    else:
        for j, item in enumerate(accounts_raw):
            account = _account(item, j, errors)
            if account is not None:
                accounts.append(account)
    observables = _json(raw.get("observables"), "observables", errors, default="[]", kind=list)
    payload = _json(raw.get("payload"), "payload", errors, default="{}", kind=dict)
    if errors:
        raise ItemErrors(errors)
    return SignalIn(
        external_id=external_id,
        kind=kind,
        severity=severity,
        confidence=int(confidence),
        observed_at=observed_at,
        summary=summary,
        accounts=accounts,
        observables_json=observables,
        payload_json=payload,
    )


# The fast path. Nearly every batch a detector pushes is well formed and plain: a `{"signals":
# [...]}` object or an array of signal objects, with no \u escape anywhere in the body. msgspec
# decodes such a body straight into typed objects, checking every type, range and length on the
# way, in a fraction of the time parsing into dicts and checking them field by field takes; the
# payload and observables are kept as the JSON text they arrived as. Whatever it does not take
# (any invalid item, an unusual shape, a \u escape that could hide a NUL or a lone surrogate)
# goes the slow way above, which decides, item by item, with its field messages. So the fast
# path accepts only what the slow path accepts, and stores the same values.


class Attributes(list):
    """An account's attributes as the fast path decoded them, with the JSON text they were
    decoded from (`wire`), which KnownAccounts remembers (attributes_of)."""

    __slots__ = ("wire",)


class _AccountWire(AccountIn, gc=False):
    """An account as the fast path decodes it: its attributes left as the JSON text sent (a
    slice of the body), and decoded only where that text is not one this process has stored
    already (signals_decode_fast, attributes_of)."""

    attributes: msgspec.Raw = msgspec.Raw(b"[]")


class _SignalWire(SignalIn, gc=False):
    accounts: Annotated[
        list[_text_type(MAX_EXTERNAL_ID, 1) | _AccountWire],
        msgspec.Meta(max_length=MAX_ACCOUNTS_PER_SIGNAL),
    ] = []


_decode_attribute_lists = msgspec.json.Decoder(
    list[Annotated[list[Attribute], msgspec.Meta(max_length=MAX_ATTRIBUTES_PER_ACCOUNT)]]
).decode


def attributes_of(account: AccountIn) -> list[Attribute]:
    """An account's attributes as a list. The fast path leaves them as the JSON text sent where
    it is the very text of attributes this process has stored (signals_decode_fast): such text
    was decoded and found valid before, so decoding it again cannot fail."""
    attributes = account.attributes
    if type(attributes) is msgspec.Raw:
        decoded = Attributes(_decode_attribute_lists(b"[" + bytes(attributes) + b"]")[0])
        decoded.wire = attributes
        account.attributes = attributes = decoded
    return attributes


def attributes_wire(account: AccountIn) -> msgspec.Raw | None:
    """The JSON text an account's attributes came as (fast path), None if unknown."""
    attributes = account.attributes
    if type(attributes) is msgspec.Raw:
        return attributes
    return getattr(attributes, "wire", None)


_FastItems = Annotated[list[_SignalWire], msgspec.Meta(min_length=1, max_length=MAX_BATCH)]


class _FastBatch(msgspec.Struct):
    signals: _FastItems


_decode_batch = msgspec.json.Decoder(_FastBatch).decode
_decode_items = msgspec.json.Decoder(_FastItems).decode
_decode_any = msgspec.json.Decoder().decode


class _NotFast(Exception):
    pass


def _time_utc(raw: str) -> datetime:
    """A date-time as parse_time reads it (the same value for every text it takes), read
    without its detours for the common case; raises _NotFast for anything parse_time would
    refuse."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None  # e.g. RFC 3339's lower-case z, which parse_time takes
    if value is None or value.tzinfo is not UTC:
        errors: list = []
        value = parse_time(raw, "", errors, required=True)
        if errors:
            raise _NotFast
    return value


def _raw_json(raw: msgspec.Raw, opening: int, default: str) -> str:
    """The JSON text of a payload or observables, if it is of the expected kind."""
    text = bytes(raw)
    if text == b"null":
        return default
    if text[0] != opening or len(text) > MAX_JSON_CHARS:
        raise _NotFast  # the slow path names the field and its fault
    # Nesting can only be deep where brackets are many: few values are ever walked.
    if text.count(b"{") + text.count(b"[") > MAX_JSON_DEPTH and _too_deep(_decode_any(text)):
        raise _NotFast
    return text.decode()


def body_is_plain(body: bytes) -> bool:
    """Whether a JSON body holds no backslash, tab, newline or carriage return anywhere. Then no
    text decoded from it holds one either, nor a double quote: JSON writes those inside a
    string only as escapes, which begin with a backslash, and refuses them raw (msgspec and the
    standard library alike). Raw JSON kept as it came (payload, observables) holds no tab,
    newline or carriage return between its tokens either. So no text of it needs escaping in
    a COPY line or an array literal."""
    return not (b"\\" in body or b"\t" in body or b"\n" in body or b"\r" in body)


def signals_decode_fast(
    body: bytes, stored: Callable[[str], msgspec.Raw | None] | None = None
) -> list[SignalIn] | None:
    """A body of plain, valid signals as SignalIn objects; None to take the slow path.

    `stored` (KnownAccounts.wire): for an account's external id, the JSON text of attributes
    this process knows to be stored for it, or None. An account whose attributes come as that
    very text keeps them as the text (no attribute of it can be new, and it was found valid
    when it was decoded before): a campaign names the same accounts with the same attributes
    in batch after batch, and decoding them was half the cost of decoding a batch. All other
    attributes are decoded, and checked, here, in one call for the batch."""
    # A \u escape begins with a backslash: one byte is found far faster than two (0.45 ms of
    # a 600 kB batch), and most bodies have none.
    if b"\\" in body and b"\\u" in body:
        return None
    try:
        first = body.lstrip()[:1]
        signals = _decode_batch(body).signals if first == b"{" else _decode_items(body)
        errors: list = []
        undecoded: list[_AccountWire] = []
        latest = datetime.now(UTC) + _future_skew()
        for s in signals:
            s.observed_at = observed = _time_utc(s.observed_at)
            if observed > latest or observed < OBSERVED_AT_FLOOR or s.external_id.isspace():
                raise _NotFast
            raw = s.observables_json
            s.observables_json = "[]" if raw is _ABSENT else _raw_json(raw, 0x5B, "[]")  # [
            raw = s.payload_json
            s.payload_json = "{}" if raw is _ABSENT else _raw_json(raw, 0x7B, "{}")  # {
            accounts = s.accounts
            for j, a in enumerate(accounts):
                if type(a) is str:
                    if a.isspace():
                        raise _NotFast
                    accounts[j] = AccountIn(a)
                    continue
                if a.external_id.isspace():
                    raise _NotFast
                if stored is None or stored(a.external_id) != a.attributes:
                    undecoded.append(a)
                if a.country:
                    a.country = a.country.upper()
                if a.signup_at is not None:
                    a.signup_at = parse_time(a.signup_at, "", errors, required=False)
            if errors:
                raise _NotFast
        if undecoded:
            texts = _decode_attribute_lists(
                b"[" + b",".join([a.attributes for a in undecoded]) + b"]"
            )
            for a, attributes in zip(undecoded, texts, strict=True):
                decoded = Attributes(attributes)
                decoded.wire = a.attributes
                a.attributes = decoded
    except (
        msgspec.ValidationError,
        msgspec.DecodeError,
        UnicodeDecodeError,
        RecursionError,
        _NotFast,
    ):
        return None
    return signals
