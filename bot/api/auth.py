"""Who may call the REST API: the bearer token, or an HMAC signature of the body.

- Reads (`GET`) take `Authorization: Bearer <AI_INCIDENT_API_TOKEN>`.
- Writes (`POST`) take that, or `X-Signature: sha256=<hex>`: HMAC-SHA256 of the raw request
  body keyed with AI_INCIDENT_WEBHOOK_SECRET, so a CI job can sign without holding a token that
  can also read.

With a setting unset, what it guards is closed, never open: 503 when no way in is configured at
all, 401 naming the missing setting when a request uses the unset one. Comparisons are
constant-time, and neither a secret nor what a caller sent ever reaches a reply or a log line.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import NoReturn

from pydantic import SecretStr
from starlette.requests import Request

from bot.api.json_io import ApiError
from bot.config import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-signature"
SIGNATURE_PREFIX = "sha256="
_BEARER = "bearer "


def _secret_bytes(value: SecretStr | None) -> bytes | None:
    raw = value.get_secret_value() if value is not None else ""
    return raw.encode() if raw.strip() else None


def sign(body: bytes, secret: str) -> str:
    """The `X-Signature` header value for `body` (what producers compute; tests use it too)."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ApiAuth:
    token: bytes | None
    secret: bytes | None

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiAuth:
        return cls(
            token=_secret_bytes(settings.api_token), secret=_secret_bytes(settings.webhook_secret)
        )

    def check_read(self, request: Request) -> None:
        """Bearer only; raises ApiError (503 or 401) unless the token is right."""
        if self.token is None:
            raise ApiError(503, "the REST API is off: set AI_INCIDENT_API_TOKEN to use it")
        header = request.headers.get("authorization")
        if header is None:
            self._refuse(request, "send Authorization: Bearer <AI_INCIDENT_API_TOKEN>")
        if not self._bearer_matches(header):
            self._refuse(request, "the bearer token is not valid")

    def check_write(self, request: Request, body: bytes) -> None:
        """Bearer or signature; raises ApiError (503 or 401) unless one of them is right."""
        if self.token is None and self.secret is None:
            raise ApiError(
                503,
                "ingestion is off: set AI_INCIDENT_API_TOKEN (bearer) or "
                "AI_INCIDENT_WEBHOOK_SECRET (signed requests)",
            )
        bearer = request.headers.get("authorization")
        signature = request.headers.get(SIGNATURE_HEADER)
        if bearer is None and signature is None:
            self._refuse(
                request,
                "send Authorization: Bearer <AI_INCIDENT_API_TOKEN>, or X-Signature: "
                "sha256=<HMAC-SHA256 of the raw body keyed with AI_INCIDENT_WEBHOOK_SECRET>",
            )
        if bearer is not None and self._bearer_matches(bearer):
            return
        if signature is not None and self._signature_matches(body, signature):
            return
        if signature is not None and self.secret is None:
            self._refuse(request, "signed requests are off: AI_INCIDENT_WEBHOOK_SECRET is not set")
        if bearer is not None and self.token is None and signature is None:
            self._refuse(request, "bearer tokens are off: AI_INCIDENT_API_TOKEN is not set")
        if signature is not None:
            self._refuse(
                request,
                "X-Signature does not match the body: it must be sha256=<hex HMAC-SHA256 of the "
                "exact bytes sent, keyed with AI_INCIDENT_WEBHOOK_SECRET>",
            )
        self._refuse(request, "the bearer token is not valid")

    def _bearer_matches(self, header: str) -> bool:
        if self.token is None or header[: len(_BEARER)].lower() != _BEARER:
            return False
        given = header[len(_BEARER) :].strip().encode("utf-8", "replace")
        return hmac.compare_digest(self.token, given)

    def _signature_matches(self, body: bytes, header: str) -> bool:
        if self.secret is None:
            return False
        given = header.strip()
        if given[: len(SIGNATURE_PREFIX)].lower() != SIGNATURE_PREFIX:
            return False
        expected = hmac.new(self.secret, body, hashlib.sha256).hexdigest().encode()
        return hmac.compare_digest(
            expected, given[len(SIGNATURE_PREFIX) :].lower().encode("utf-8", "replace")
        )

    @staticmethod
    def _refuse(request: Request, reason: str) -> NoReturn:
        log.warning("refused %s %s: %s", request.method, request.url.path, reason)
        raise ApiError(401, reason, headers={"WWW-Authenticate": "Bearer"})
