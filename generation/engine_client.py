"""HTTP client for the engine service (the reference engine or the real GPU cluster)."""

import base64
import contextlib
import tempfile
from dataclasses import dataclass

import httpx
from django.conf import settings


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


class EngineError(Exception):
    """The engine could not be reached or answered unexpectedly."""


class EngineFull(EngineError):
    """Every render slot is busy."""


class EngineJobNotFound(EngineError):
    """The engine does not know the job (it restarted, or the job was deleted)."""


@dataclass(frozen=True)
class EngineJob:
    id: str
    status: str
    progress: int
    error_code: str = ""
    error_message: str = ""

    @classmethod
    def from_json(cls, data: dict) -> "EngineJob":
        error = data.get("error") or {}
        return cls(
            id=data["id"],
            status=data["status"],
            progress=int(data.get("progress") or 0),
            error_code=error.get("code", ""),
            error_message=error.get("message", ""),
        )


@dataclass(frozen=True)
class Capacity:
    slots: int
    busy: int

    @property
    def free(self) -> int:
        return max(self.slots - self.busy, 0)


class EngineClient:
    def __init__(self, *, base_url: str, secret: str, timeout: float):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {secret}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise EngineError(f"engine unreachable: {error}") from error
        if response.status_code == 404:
            raise EngineJobNotFound(path)
        if response.status_code == 429:
            raise EngineFull(response.text)
        if response.status_code >= 400:
            raise EngineError(f"engine answered {response.status_code}: {response.text[:300]}")
        return response

    def capacity(self) -> Capacity:
        data = self._request("GET", "/v1/capacity").json()
        return Capacity(slots=int(data["slots"]), busy=int(data["busy"]))

    def create(
        self,
        *,
        client_ref: str,
        prompt: str,
        seconds: int,
        size: str,
        seed: int,
        reference_png: bytes | None = None,
        characters: list[tuple[str, bytes]] = (),
    ) -> EngineJob:
        """Start a render. Idempotent on client_ref: a retry returns the same engine job.

        `reference_png` is the frame the clip starts from (input_reference, an edit's first
        frame, an extension's last frame), sent inline as a data URL; `characters` are
        (name, PNG of the character clip's first frame) pairs the prompt names."""
        body = {
            "client_ref": client_ref,
            "prompt": prompt,
            "seconds": str(seconds),
            "size": size,
            "seed": seed,
        }
        if reference_png is not None:
            body["input_reference"] = {"image_url": _data_url(reference_png)}
        if characters:
            body["characters"] = [
                {"name": name, "image_url": _data_url(png)} for name, png in characters
            ]
        return EngineJob.from_json(self._request("POST", "/v1/videos", json=body).json())

    def get(self, job_id: str) -> EngineJob:
        return EngineJob.from_json(self._request("GET", f"/v1/videos/{job_id}").json())

    def delete(self, job_id: str) -> None:
        """Cancel (if running) and forget a job. Deleting an unknown job is not an error."""
        with contextlib.suppress(EngineJobNotFound):
            self._request("DELETE", f"/v1/videos/{job_id}")

    def download(self, job_id: str) -> tempfile.SpooledTemporaryFile:
        """Stream the finished MP4 into a temporary file, rewound for reading."""
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned
        try:
            with self._http.stream("GET", f"/v1/videos/{job_id}/content") as response:
                if response.status_code == 404:
                    raise EngineJobNotFound(job_id)
                if response.status_code >= 400:
                    raise EngineError(f"engine answered {response.status_code} for content")
                for chunk in response.iter_bytes(1024 * 1024):
                    spool.write(chunk)
        except httpx.HTTPError as error:
            spool.close()
            raise EngineError(f"engine unreachable: {error}") from error
        except EngineError:
            spool.close()
            raise
        spool.seek(0)
        return spool


def engine_client() -> EngineClient:
    return EngineClient(
        base_url=settings.ENGINE_URL,
        secret=settings.ENGINE_SECRET,
        timeout=settings.ENGINE_TIMEOUT_SECONDS,
    )
