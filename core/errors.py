class DomainError(Exception):
    """A rule of the domain refused an operation. The message is meant for a person to read;
    `field` names the input at fault when there is one; `status` is the HTTP answer."""

    status = 409

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if status is not None:
            self.status = status


class PermissionDenied(DomainError):
    status = 403
