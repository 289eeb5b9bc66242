import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from cases.models import Severity, State
from detection.models import SignalKind

register = template.Library()

STATE_LABELS = dict(State.choices)
SEVERITY_LABELS = dict(Severity.choices)
SIGNAL_KIND_LABELS = dict(SignalKind.choices)

# Markdown may carry raw HTML; nh3 keeps the formatting tags and drops scripts, handlers,
# styles and javascript: links.
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


@register.filter
def markdown(text: str) -> SafeString:
    html = markdown_lib.markdown(text or "", extensions=["fenced_code", "tables"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


@register.filter
def stamp(value) -> str:
    """A timestamp as "YYYY-MM-DD HH:MM" in the current time zone. Tables show fifty of them
    per page; strftime is several times cheaper than the `date` filter's formatter."""
    if not value:
        return ""
    return localtime(value).strftime("%Y-%m-%d %H:%M")


@register.filter
def state_label(value: str) -> str:
    return STATE_LABELS.get(value, value)


@register.filter
def severity_label(value: str) -> str:
    return SEVERITY_LABELS.get(value, value)


@register.filter
def signal_kind_label(value: str) -> str:
    return SIGNAL_KIND_LABELS.get(value, value)
