"""Who may call the REST API, decided here and nowhere else.

- Reads (`GET`) take `Authorization: Bearer <AI_INCIDENT_API_TOKEN>`.
- Writes (`POST`) take that, or a Standard Webhooks signature (`webhook-id`,
  `webhook-timestamp`, `webhook-signature`) made with AI_INCIDENT_WEBHOOK_SECRET, a
  `whsec_<base64>` secret, so a CI job can sign without holding a token that can also read.
  The signature covers the id, the timestamp and the body; a timestamp more than five minutes
  from now is refused, and within those minutes a replayed id gets the first answer again
  (bot/api/replay.py).
- `POST /api/v1/webhooks/langfuse` also takes Langfuse's own `x-langfuse-signature`, checked
  with AI_INCIDENT_LANGFUSE_WEBHOOK_SECRET.

With a setting unset, what it guards is closed, never open: 503 when no way in is configured at
all, 401 naming the missing setting when a request uses the unset one. Comparisons are
constant-time, and neither a secret nor what a caller sent ever reaches a reply or a log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NoReturn

from pydantic import SecretStr
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.requests import Request

from bot.api.json_io import ApiError
from bot.config import Settings
from bot.core.changes.langfuse import verify_langfuse_signature
from bot.core.webhook_deliveries import DELIVERY_ID_MAX

log = logging.getLogger(__name__)

WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE = (
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
)
LANGFUSE_SIGNATURE = "x-langfuse-signature"
SECRET_PREFIX = "whsec_"
# The Standard Webhooks spec asks for 24 to 64 random bytes.
SECRET_MIN_BYTES = 24
TOLERANCE_SECONDS = 5 * 60
_BEARER = "bearer "
_SIGNED_HOW = (
    "webhook-id, webhook-timestamp (Unix seconds) and webhook-signature (v1,<base64 "
    "HMAC-SHA256 of '<id>.<timestamp>.<body>' keyed with AI_INCIDENT_WEBHOOK_SECRET>)"
)


class SecretFormatError(ValueError):
    """AI_INCIDENT_WEBHOOK_SECRET is set but is not a `whsec_<base64>` secret."""


def webhook_secret_key(secret: str) -> bytes:
    """The key of a `whsec_<base64>` secret; raises SecretFormatError for anything else."""
    how = (
        "AI_INCIDENT_WEBHOOK_SECRET must be whsec_ followed by the base64 of at least "
        f"{SECRET_MIN_BYTES} random bytes (docs/ingestion.md shows how to make one)"
    )
    if not secret.startswith(SECRET_PREFIX):
        raise SecretFormatError(how)
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise SecretFormatError(how) from None
    if len(key) < SECRET_MIN_BYTES:
        raise SecretFormatError(how)
    return key


def signature_headers(
    body: bytes, secret: str, *, delivery_id: str, at: datetime | None = None
) -> dict[str, str]:
    """The three headers a producer sends with `body` (the demo and the tests sign this way)."""
    moment = at or datetime.now(UTC)
    signature = Webhook(webhook_secret_key(secret)).sign(delivery_id, moment, body.decode())
    return {
        WEBHOOK_ID: delivery_id,
        WEBHOOK_TIMESTAMP: str(int(moment.timestamp())),
        WEBHOOK_SIGNATURE: signature,
    }


def _configured(value: SecretStr | None) -> str | None:
    raw = value.get_secret_value().strip() if value is not None else ""
    return raw or None


@dataclass(frozen=True)
class ApiAuth:
    token: bytes | None
    webhook: Webhook | None
    langfuse_secret: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiAuth:
        """Raises SecretFormatError at start-up, not on the first request, for a bad secret."""
        token = _configured(settings.api_token)
        secret = _configured(settings.webhook_secret)
        return cls(
            token=token.encode() if token else None,
            webhook=Webhook(webhook_secret_key(secret)) if secret else None,
            langfuse_secret=_configured(settings.langfuse_webhook_secret),
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

    def check_write(self, request: Request, body: bytes) -> str | None:
        """Bearer or a Standard Webhooks signature; raises ApiError (503 or 401) unless one of
        them is right. Returns the delivery id of a signed request (None for a bearer one)."""
        if self.token is None and self.webhook is None:
            raise ApiError(
                503,
                "ingestion is off: set AI_INCIDENT_API_TOKEN (bearer) or "
                "AI_INCIDENT_WEBHOOK_SECRET (signed requests)",
            )
        bearer = request.headers.get("authorization")
        signed = any(
            name in request.headers for name in (WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE)
        )
        if bearer is not None and self._bearer_matches(bearer):
            return None
        if signed:
            return self._signed_delivery(request, body)
        if bearer is None:
            self._refuse(
                request, f"send Authorization: Bearer <AI_INCIDENT_API_TOKEN>, or {_SIGNED_HOW}"
            )
        if self.token is None:
            self._refuse(request, "bearer tokens are off: AI_INCIDENT_API_TOKEN is not set")
        self._refuse(request, "the bearer token is not valid")

    def check_langfuse(self, request: Request, body: bytes) -> str | None:
        """Langfuse's own signature, else what any write takes. Returns the delivery id to
        remember: a Langfuse replay carries the same signature header, so it names the
        delivery."""
        header = request.headers.get(LANGFUSE_SIGNATURE)
        if header is None:
            return self.check_write(request, body)
        if self.langfuse_secret is None:
            if "authorization" in request.headers or WEBHOOK_SIGNATURE in request.headers:
                return self.check_write(request, body)
            self._refuse(
                request, "Langfuse signatures are off: AI_INCIDENT_LANGFUSE_WEBHOOK_SECRET is unset"
            )
        if not verify_langfuse_signature(body, header, self.langfuse_secret, now=datetime.now(UTC)):
            self._refuse(
                request,
                "x-langfuse-signature does not match: it must be t=<Unix seconds, within 5 "
                "minutes>,v1=<hex HMAC-SHA256 of '<t>.<body>' keyed with "
                "AI_INCIDENT_LANGFUSE_WEBHOOK_SECRET>",
            )
        return "langfuse:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()

    def _signed_delivery(self, request: Request, body: bytes) -> str:
        if self.webhook is None:
            self._refuse(request, "signed requests are off: AI_INCIDENT_WEBHOOK_SECRET is not set")
        delivery_id = request.headers.get(WEBHOOK_ID, "")
        stamp = request.headers.get(WEBHOOK_TIMESTAMP, "")
        signature = request.headers.get(WEBHOOK_SIGNATURE, "")
        if not (delivery_id and stamp and signature):
            self._refuse(request, f"a signed request needs all three headers: {_SIGNED_HOW}")
        if len(delivery_id) > DELIVERY_ID_MAX or not delivery_id.isprintable():
            self._refuse(request, f"webhook-id must be 1 to {DELIVERY_ID_MAX} printable characters")
        if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 10:
            self._refuse(request, "webhook-timestamp must be the Unix time in whole seconds")
        if abs(time.time() - int(stamp)) > TOLERANCE_SECONDS:
            self._refuse(request, "webhook-timestamp is more than 5 minutes from now")
        try:
            self.webhook.verify(
                body.decode("utf-8"),
                {WEBHOOK_ID: delivery_id, WEBHOOK_TIMESTAMP: stamp, WEBHOOK_SIGNATURE: signature},
                json_parse=False,
            )
        except UnicodeDecodeError:
            self._refuse(request, "the body is not UTF-8 text, so it cannot be signed")
        except (WebhookVerificationError, ValueError):  # ValueError: a malformed signature list
            self._refuse(
                request,
                "webhook-signature does not match the id, timestamp and exact bytes sent: "
                + _SIGNED_HOW,
            )
        return delivery_id

    def _bearer_matches(self, header: str) -> bool:
        if self.token is None or header[: len(_BEARER)].lower() != _BEARER:
            return False
        given = header[len(_BEARER) :].strip().encode("utf-8", "replace")
        return hmac.compare_digest(self.token, given)

    @staticmethod
    def _refuse(request: Request, reason: str) -> NoReturn:
        log.warning("refused %s %s: %s", request.method, request.url.path, reason)
        raise ApiError(401, reason, headers={"WWW-Authenticate": "Bearer"})
