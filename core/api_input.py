"""Input serializers that take JSON types as the schema states them. DRF's fields coerce what
they are given (0 becomes "0", "5" becomes 5, 1 becomes True): a client sending the wrong type
is then guessed for instead of told. These refuse it with 400 naming the field."""

from typing import ClassVar

from rest_framework import serializers

_EXPECTED = (
    (serializers.BooleanField, bool, "true or false"),
    (serializers.IntegerField, int, "an integer"),
    (serializers.ChoiceField, str, "a string"),
    (serializers.CharField, str, "a string"),
)


def _type_error(field, value) -> str | None:
    if value is None:
        return None  # DRF's own allow_null check decides
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return "Must be an array."
        for item in value:
            problem = _type_error(field.child, item)
            if problem:
                return f"Each item: {problem[0].lower()}{problem[1:]}"
        return None
    for kind, python_type, name in _EXPECTED:
        if isinstance(field, kind):
            wrong = not isinstance(value, python_type) or (
                python_type is int and isinstance(value, bool)
            )
            return f"Must be {name}." if wrong else None
    return None


class StrictInput(serializers.Serializer):
    """An input that names the field a client got wrong: of the wrong JSON type, or made up."""

    # How the OpenAPI schema describes the body (core/schema.py). `body_required`: the view
    # refuses an empty body although no single field is required (one of several fields, or a
    # PATCH that must change something). `patch_partial = False`: a PATCH that validates the
    # whole input, so its required fields stay required.
    body_required: ClassVar[bool] = False
    patch_partial: ClassVar[bool] = True

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({unknown[0]: ["Unknown field."]})
        return attrs

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {}
            for name, field in self.fields.items():
                if not field.read_only and name in data:
                    problem = _type_error(field, data[name])
                    if problem:
                        errors[name] = [problem]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
