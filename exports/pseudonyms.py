"""Pseudonymisation for bundles a lawyer wants without personal data: account emails and names,
the accounts' identifying attributes (IPs, device and payment fingerprints, phones, org ids,
...), and the staff names, IPs and user agents of the custody log become keyed hashes
(HMAC-SHA-256). The same value keeps the same pseudonym wherever it appears in the bundle (and
across bundles of the deployment), so two accounts that share a payment fingerprint still
visibly share it; only the holder of the key can re-identify."""

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Iterable

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_WORD = re.compile(r"\w+")
MAX_NAME_WORDS = 4
# Attribute types that identify a person or their equipment; ASNs and proxy providers name
# infrastructure, and stay readable.
IDENTIFYING_ATTRIBUTES = frozenset(
    {"ip", "device_fingerprint", "payment_fingerprint", "phone", "org_id", "email_domain",
     "api_key_prefix"}
)  # fmt: skip
# Candidates for identifiers inside free text: runs without spaces, looked up whole.
_TOKEN = re.compile(r"[A-Za-z0-9_+.:\-]{4,}")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Pseudonymiser:
    def __init__(
        self, key: bytes, names: Iterable[str] = (), identifiers: Iterable[tuple[str, str]] = ()
    ):
        self._key = key
        # The case's accounts' identifying attribute values, found again in signals and events.
        self._ids: dict[str, str] = {
            value: self.token(kind, value)
            for kind, value in identifiers
            if kind in IDENTIFYING_ATTRIBUTES and value
        }
        # Names are matched as whole words (up to four), case-insensitively: a set lookup per
        # word n-gram, so that the cost does not grow with the number of accounts.
        self._names: dict[str, str] = {}
        for name in names:
            words = _words(name or "")
            if words and len("".join(words)) >= 3 and len(words) <= MAX_NAME_WORDS:
                self._names[" ".join(words)] = self.token("name", " ".join(words))

    def token(self, kind: str, value: str) -> str:
        digest = hmac.new(self._key, f"{kind}:{value.strip().lower()}".encode(), hashlib.sha256)
        return f"{kind}-{digest.hexdigest()[:24]}"

    def email(self, value: str) -> str:
        return self.token("email", value) if value else ""

    def name(self, value: str) -> str:
        return self.token("name", " ".join(_words(value))) if value else ""

    def attribute(self, kind: str, value: str) -> str:
        if kind in IDENTIFYING_ATTRIBUTES and value:
            return self.token(kind, value)
        return self.text(value)

    def staff(self, label: str) -> str:
        return self.token("staff", label) if label and label != "system" else label

    def ip(self, value: str | None) -> str | None:
        return self.token("ip", value) if value else value

    def user_agent(self, value: str) -> str:
        return self.token("agent", value) if value else value

    def _identifier(self, candidate: str) -> str | None:
        """The pseudonym of a known identifier or of any IP address, else None."""
        known = self._ids.get(candidate)
        if known:
            return known
        if any(c in candidate for c in ".:"):
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                return None
            return self.token("ip", candidate)
        return None

    def _names_in(self, text: str) -> list[str]:
        if not self._names:
            return []
        words = _words(text)
        found = []
        for size in range(1, MAX_NAME_WORDS + 1):
            for start in range(len(words) - size + 1):
                gram = " ".join(words[start : start + size])
                if gram in self._names:
                    found.append(gram)
        return found

    def contains_personal(self, text: str) -> bool:
        return (
            bool(EMAIL.search(text))
            or bool(self._names_in(text))
            or any(self._identifier(m.group()) for m in _TOKEN.finditer(text))
        )

    def text(self, text: str) -> str:
        if not text:
            return text
        if text in self._ids:  # a whole value, spaces and all (a phone number)
            return self._ids[text]
        text = EMAIL.sub(lambda m: self.token("email", m.group()), text)
        text = _TOKEN.sub(lambda m: self._identifier(m.group()) or m.group(), text)
        for gram in sorted(set(self._names_in(text)), key=len, reverse=True):
            pattern = r"\b" + r"\W+".join(re.escape(w) for w in gram.split(" ")) + r"\b"
            text = re.sub(pattern, self._names[gram], text, flags=re.IGNORECASE)
        return text

    def value(self, obj):
        """Every string inside a JSON-like value, keys included."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, dict):
            return {self.text(str(k)): self.value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v) for v in obj]
        return obj


class Identity:
    """The same interface, changing nothing: for bundles with personal data kept."""

    def email(self, value: str) -> str:
        return value

    def name(self, value: str) -> str:
        return value

    def attribute(self, kind: str, value: str) -> str:
        return value

    def staff(self, label: str) -> str:
        return label

    def ip(self, value: str | None) -> str | None:
        return value

    def user_agent(self, value: str) -> str:
        return value

    def contains_personal(self, text: str) -> bool:
        return False

    def text(self, text: str) -> str:
        return text

    def value(self, obj):
        return obj
