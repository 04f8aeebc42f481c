"""The exception classes of casiscan; every one derives from `CasiscanError`."""

from casiscan._casiscan import (
    AuthError,
    CanceledError,
    CasiscanError,
    CasiscanIOError,
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ParseError,
    ProviderError,
    StorageError,
)

__all__ = [
    "AuthError",
    "CanceledError",
    "CasiscanError",
    "CasiscanIOError",
    "ConflictError",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "ParseError",
    "ProviderError",
    "StorageError",
]
