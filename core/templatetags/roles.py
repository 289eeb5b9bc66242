"""Role checks for templates, by the names core.roles gives its role sets:

    {% load roles %}
    {% if user|holds:"EXPORT_ROLES" %} ... {% endif %}

so a template shows an action to exactly the people the service lets do it, and a role set
changed in core.roles changes the pages with it."""

from django import template

from core import roles

register = template.Library()

ROLE_SETS = {
    name: value
    for name, value in vars(roles).items()
    if name.isupper() and isinstance(value, frozenset)
}


@register.filter
def holds(user, role_set: str) -> bool:
    """Whether the user holds any role of the named set (e.g. "EXPORT_ROLES", "LEGAL_ONLY")."""
    try:
        wanted = ROLE_SETS[role_set]
    except KeyError:
        raise template.TemplateSyntaxError(
            f"holds: no role set {role_set!r} in core.roles ({', '.join(sorted(ROLE_SETS))})"
        ) from None
    return bool(roles.user_roles(user) & wanted)
