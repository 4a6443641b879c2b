"""Regression cases into a Langfuse dataset, through Langfuse's public API.

Each case becomes one dataset item whose id is the case's key: Langfuse upserts items on their
id, so pushing again updates the same items and creates nothing new. The dataset is created by
name first (creating one that exists changes nothing). Basic auth with the project's public
and secret keys; neither is ever logged or put in an error message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import SecretStr

from bot.core.cases.export import case_record
from bot.core.cases.model import RegressionCase

log = logging.getLogger(__name__)

DATASETS_PATH = "/api/public/v2/datasets"
ITEMS_PATH = "/api/public/dataset-items"
DATASET_NAME_MAX = 200
_BODY_SHOWN = 200


class LangfuseError(Exception):
    """The push did not complete, in one line for the person running it."""


def dataset_item(dataset: str, case: RegressionCase) -> dict[str, Any]:
    """A case as a Langfuse dataset item: the input, the expected behaviour as the expected
    output, everything else (slice, risk, versions under their OTel names, the incident) as
    metadata, so an experiment over the dataset can be cut the same ways."""
    record = case_record(case)
    metadata = {k: v for k, v in record.items() if k not in ("id", "input", "expected")}
    return {
        "id": case.key,
        "datasetName": dataset,
        "input": case.input,
        "expectedOutput": record["expected"],
        "metadata": metadata,
    }


@dataclass(frozen=True)
class LangfuseDatasets:
    host: str
    public_key: SecretStr
    secret_key: SecretStr
    # Tests hand in a transport to a local fake; by default, the network.
    transport: httpx.AsyncBaseTransport | None = None
    timeout_seconds: float = 15.0

    async def push(self, dataset: str, cases: Sequence[RegressionCase]) -> int:
        """Upsert every case into `dataset` (created if missing); how many items were sent."""
        auth = httpx.BasicAuth(
            self.public_key.get_secret_value(), self.secret_key.get_secret_value()
        )
        async with httpx.AsyncClient(
            base_url=self.host, auth=auth, transport=self.transport, timeout=self.timeout_seconds
        ) as client:
            await self._send(
                client,
                DATASETS_PATH,
                {
                    "name": dataset,
                    "description": "Regression cases captured in incidents by ai-incident",
                },
            )
            for case in cases:
                await self._send(client, ITEMS_PATH, dataset_item(dataset, case))
        log.info("pushed %d case(s) to the Langfuse dataset %r", len(cases), dataset)
        return len(cases)

    async def _send(self, client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> None:
        try:
            response = await client.post(path, json=body)
        except httpx.HTTPError as error:
            raise LangfuseError(
                f"cannot reach Langfuse at {self.host}: {type(error).__name__}"
            ) from None
        # A dataset that already exists is what was wanted, however a version answers it.
        if response.is_success or (path == DATASETS_PATH and response.status_code == 409):
            return
        if response.status_code in (401, 403):
            raise LangfuseError(
                f"Langfuse refused the keys (HTTP {response.status_code}): check "
                "AI_INCIDENT_LANGFUSE_PUBLIC_KEY and AI_INCIDENT_LANGFUSE_SECRET_KEY"
            )
        said = " ".join(response.text.split())[:_BODY_SHOWN]
        raise LangfuseError(
            f"Langfuse answered HTTP {response.status_code} to POST {path}"
            + (f": {said}" if said else "")
        )
