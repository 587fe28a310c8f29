"""Errors that actions raise; views and the API turn them into messages for people."""

from django.core.exceptions import PermissionDenied, ValidationError  # noqa: F401  (re-exported)


class ActionPermissionError(PermissionDenied):
    """The acting user may see the object but may not do this to it."""

    def __init__(self, permission: str, message: str | None = None):
        self.permission = permission
        super().__init__(message or f"需要权限 {permission}")


class TransitionError(ValidationError):
    """A state-machine transition that is not allowed from the current state."""

    def __init__(self, message: str, *, current_state: str = ""):
        self.current_state = current_state
        super().__init__(message, code="invalid_transition")


def error_fields(error: ValidationError) -> dict[str, list[str]]:
    """ValidationError → {"field": ["message", …]}; errors not tied to a field go under "__all__"."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def error_message(error: ValidationError) -> str:
    fields = error_fields(error)
    return "；".join(m for messages in fields.values() for m in messages)
