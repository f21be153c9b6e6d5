"""`stream: true`: the server-sent events the official SDK parses (OpenAI's image streaming events).

Everything that can refuse a request (validation, policy, review holds) runs before the stream
starts, so those come back as normal OpenAI errors. Then the flow runs as usual; a streaming
backend's partial images are sent only after they pass the same image checks as final images (or
never, with generation.stream_partials = "none"). Each completed event carries the stored, signed
and watermarked image. A failure after the stream started is an event whose data has an `error`
object, which the SDK raises as openai.APIError."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncIterator
from typing import Any

from starlette.responses import StreamingResponse

from limner.components import Components
from limner.errors import LimnerError, UpstreamError
from limner.generation.backends.base import BackendResult, ImageBackend
from limner.generation.backends.partials import PartialImage, StreamingBackend
from limner.generation.flows.images import check_images
from limner.generation.flows.prepare import Prepared
from limner.generation.flows.run import run_generation
from limner.generation.response_fields import image_facts, resolved_quality, usage_body
from limner.generation.schemas import GenerationOutcome
from limner.identity.schemas import Principal
from limner.imaging.actions import Action
from limner.imaging.requests import ImageRequest
from limner.usage import quotas

KEEPALIVE_S = 15.0
SHOWN = (Action.ALLOW, Action.WARN)


class PartialsForwarder:
    """An ImageBackend over the real one that passes checked partials to a queue on the way."""

    def __init__(
        self, c: Components, backend: ImageBackend, partial_images: int, queue: asyncio.Queue[PartialImage]
    ) -> None:
        self.c, self.backend, self.partial_images, self.queue = c, backend, partial_images, queue

    async def generate(self, request: ImageRequest) -> BackendResult:
        wanted = self.partial_images and self.c.settings.generation.stream_partials == "checked"
        if not wanted or not isinstance(self.backend, StreamingBackend):
            return await self.backend.generate(request)
        result: BackendResult | None = None
        async for item in self.backend.stream(request, partial_images=self.partial_images):
            if isinstance(item, BackendResult):
                result = item
            elif (await check_images(self.c, [item.data], raise_on_block=False)).action in SHOWN:
                self.queue.put_nowait(item)
        if result is None:
            raise UpstreamError("The image backend ended its stream without a final image.")
        return result

    async def check(self) -> None:
        await self.backend.check()

    async def aclose(self) -> None:
        return None  # the real backend belongs to Components


async def stream_response(
    c: Components, principal: Principal, prepared: Prepared, request_id: str, headers: dict[str, str]
) -> StreamingResponse:
    """Quotas are reserved before the stream starts, so a 429 is a normal error too."""
    reservation = await quotas.reserve(c, principal, prepared.spec, prepared.request)
    events = _events(c, principal, prepared, request_id, reservation)
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


async def _events(
    c: Components, principal: Principal, p: Prepared, request_id: str, reservation: quotas.Reservation
) -> AsyncIterator[bytes]:
    prefix = "image_generation" if p.request.operation == "generate" else "image_edit"
    queue: asyncio.Queue[PartialImage] = asyncio.Queue()
    backend = PartialsForwarder(c, c.backends[p.spec.backend], p.resolved.partial_images, queue)
    task = asyncio.create_task(
        run_generation(
            c,
            principal,
            p.spec,
            p.opened,
            p.request,
            p.resolved.response_format,
            request_id,
            backend,
            reservation,
        )
    )
    task.add_done_callback(retrieve_result)  # a client that hangs up early leaves the flow to finish
    created = int(time.time())
    async for partial in partials_until(queue, task):
        yield (
            b": keep-alive\n\n"
            if partial is None
            else event(partial_event(prefix, partial, p.request, created))
        )
    try:
        outcome = await task
    except LimnerError as exc:
        yield event(exc.body())
        return
    for body in completed_events(prefix, outcome, p.request):
        yield event(body)


async def partials_until(
    queue: asyncio.Queue[PartialImage], task: asyncio.Task[Any]
) -> AsyncIterator[PartialImage | None]:
    """Partials as they come (None: time for a keep-alive), until the flow is done and all are out."""
    getter: asyncio.Future[PartialImage] = asyncio.ensure_future(queue.get())
    try:
        while True:
            done, _ = await asyncio.wait({getter, task}, timeout=KEEPALIVE_S, return_when=FIRST_COMPLETED)
            if getter in done:
                yield getter.result()
                getter = asyncio.ensure_future(queue.get())
            elif task in done:
                break
            else:
                yield None
    finally:
        getter.cancel()
    while not queue.empty():
        yield queue.get_nowait()


def retrieve_result(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


def event(body: dict[str, Any]) -> bytes:
    name = body.get("type", "error")
    return f"event: {name}\ndata: {json.dumps(body, separators=(',', ':'))}\n\n".encode()


def partial_event(prefix: str, partial: PartialImage, request: ImageRequest, created: int) -> dict[str, Any]:
    return {
        "type": f"{prefix}.partial_image",
        "partial_image_index": partial.partial_index,
        **_image_fields(partial.data, partial.format, request, created),
    }


def completed_events(prefix: str, outcome: GenerationOutcome, request: ImageRequest) -> list[dict[str, Any]]:
    usage = usage_body(outcome.usage) if outcome.usage is not None else None
    return [
        {
            "type": f"{prefix}.completed",
            **_image_fields(image.data, image.format, request, outcome.created),
            "usage": usage,
        }
        for image in outcome.images
    ]


def _image_fields(data: bytes, fmt: str, request: ImageRequest, created: int) -> dict[str, Any]:
    size, background = image_facts(data)
    return {
        "b64_json": base64.b64encode(data).decode(),
        "background": background,
        "created_at": created,
        "output_format": fmt,
        "quality": resolved_quality(request.quality),
        "size": size,
    }
