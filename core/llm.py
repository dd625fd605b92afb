"""A client for an OpenAI-compatible chat completions endpoint (the optional comment reviewer).

Off unless LIAISON_LLM_URL and LIAISON_LLM_MODEL are set. One POST per call, bounded by
one deadline, no redirects, no environment proxies; any failure is an LLMError, which the
caller turns into "use the rules".
"""

from __future__ import annotations

import json
from typing import Any

import httpx

MAX_RESPONSE_BYTES = 64_000


class LLMError(Exception):
    """The endpoint did not give a usable answer (timeout, HTTP error, malformed reply)."""


class ChatClient:
    """POSTs chat messages to one endpoint with one model and returns the reply's text."""

    def __init__(
        self, *, url: str, model: str, api_key: str | None = None, timeout_s: float = 2.0
    ) -> None:
        self.url = url
        self.model = model
        self.timeout_s = timeout_s
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s),
            headers=headers,
            follow_redirects=False,
            trust_env=False,
        )

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply to `messages` (raises LLMError on any failure)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        try:
            response = self._http.post(self.url, content=json.dumps(body))
        except httpx.TimeoutException as error:
            raise LLMError(f"timed out after {self.timeout_s:g} s") from error
        except httpx.HTTPError as error:
            raise LLMError(f"request failed: {type(error).__name__}") from error
        if response.status_code != 200:
            raise LLMError(f"HTTP {response.status_code}")
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise LLMError("reply too large")
        try:
            reply = response.json()
            content = reply["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise LLMError("reply is not a chat completion") from error
        if not isinstance(content, str):
            raise LLMError("reply has no text")
        return content

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()
