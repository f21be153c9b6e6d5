"""The `diffusers` backend: local Stable Diffusion-family pipelines, run in a worker thread."""

from __future__ import annotations

import asyncio
import importlib
import io
import secrets
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from PIL import Image
from pydantic import BaseModel, Field

from limner.errors import ConfigError, InvalidRequestError, UnavailableError
from limner.generation.backends.base import BackendResult, GeneratedImage
from limner.imaging.requests import ImageRequest, InputImage

_EXTRA_HINT = "The diffusers backend needs the extra: pip install 'limner[diffusers]'"


class DiffusersConfig(BaseModel):
    """A Stable Diffusion-family pipeline saved on local disk (save_pretrained layout)."""

    kind: Literal["diffusers"] = "diffusers"
    model_path: Path = Field(description="Local pipeline directory holding model_index.json")
    device: Literal["cpu", "cuda"] = Field(default="cpu", description="Where the pipeline runs")
    dtype: Literal["float32", "float16", "bfloat16"] = Field(
        default="float32", description="Weights dtype; float16 only makes sense on cuda"
    )
    steps: int = Field(default=30, ge=1, le=200, description="Denoising steps per image")
    guidance: float = Field(default=7.5, ge=0, le=30, description="Classifier-free guidance scale")
    default_size: str = Field(
        default="512x512", pattern=r"^\d+x\d+$", description="Size when the request says auto or none"
    )
    edit_strength: float = Field(
        default=0.75, gt=0, le=1, description="How far edits without a mask and variations move"
    )


def _import_stack() -> tuple[ModuleType, ModuleType]:
    """torch and diffusers, imported here so Limner starts without them when this backend is unused."""
    try:
        return importlib.import_module("torch"), importlib.import_module("diffusers")
    except ImportError as exc:
        raise ConfigError(_EXTRA_HINT) from exc


class DiffusersBackend:
    """ImageBackend over a local pipeline: text-to-image, image-to-image, and inpainting with a mask.

    One request runs at a time: pipelines keep per-call state and are not thread-safe."""

    def __init__(self, config: DiffusersConfig) -> None:
        self._config = config
        self._torch, self._diffusers = _import_stack()
        if not (config.model_path / "model_index.json").is_file():
            raise ConfigError(f"No diffusers pipeline (model_index.json) in {config.model_path}.")
        # local_files_only: nothing may be downloaded at run time.
        pipeline = self._diffusers.AutoPipelineForText2Image.from_pretrained(
            str(config.model_path),
            dtype=getattr(self._torch, config.dtype),
            local_files_only=True,
        )
        pipeline.set_progress_bar_config(disable=True)
        self._pipelines: dict[str, Any] = {"generate": pipeline.to(config.device)}
        self._lock = asyncio.Lock()
        self._closed = False

    async def generate(self, request: ImageRequest) -> BackendResult:
        if self._closed:
            raise UnavailableError("The diffusers backend is closed.")
        width, height = _dimensions(request.size or "auto", self._config.default_size)
        async with self._lock:
            pictures = await asyncio.to_thread(self._run, request, width, height)
        images = [GeneratedImage(data=_encode(p, request), format=request.output_format) for p in pictures]
        return BackendResult(images=images)

    async def check(self) -> None:
        if self._closed:
            raise UnavailableError("The diffusers backend is closed.")

    async def aclose(self) -> None:
        self._closed = True
        self._pipelines.clear()
        if self._config.device == "cuda":
            self._torch.cuda.empty_cache()

    def _run(self, request: ImageRequest, width: int, height: int) -> list[Image.Image]:
        seed = request.seed if request.seed is not None else secrets.randbelow(2**31)
        generators = [
            self._torch.Generator(self._config.device).manual_seed(seed + index) for index in range(request.n)
        ]
        arguments: dict[str, Any] = {
            "prompt": request.prompt or "",
            "num_inference_steps": self._config.steps,
            "guidance_scale": self._config.guidance,
            "num_images_per_prompt": request.n,
            "generator": generators,
            "width": width,
            "height": height,
        }
        task, extra = self._task(request, width, height)
        with self._torch.inference_mode():
            result = self._pipeline(task)(**arguments, **extra)
        return list(result.images)

    def _task(self, request: ImageRequest, width: int, height: int) -> tuple[str, dict[str, Any]]:
        if request.operation == "generate" or not request.images:
            return "generate", {}
        source = _picture(request.images[0]).resize((width, height))
        if request.mask is not None:
            return "inpaint", {"image": source, "mask_image": _repaint_area(request.mask, width, height)}
        return "image2image", {"image": source, "strength": self._config.edit_strength}

    def _pipeline(self, task: str) -> Any:
        """Edit pipelines share the loaded weights (from_pipe), built on first use."""
        if task not in self._pipelines:
            auto = {"inpaint": "AutoPipelineForInpainting", "image2image": "AutoPipelineForImage2Image"}
            factory = getattr(self._diffusers, auto[task])
            self._pipelines[task] = factory.from_pipe(self._pipelines["generate"])
        return self._pipelines[task]


def _dimensions(size: str, default: str) -> tuple[int, int]:
    width, _, height = (default if size == "auto" else size).partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) % 8 or int(height) % 8:
        raise InvalidRequestError(
            f"Invalid size '{size}': width and height must be multiples of 8.", param="size"
        )
    return int(width), int(height)


def _picture(image: InputImage) -> Image.Image:
    return Image.open(io.BytesIO(image.data)).convert("RGB")


def _repaint_area(mask: InputImage, width: int, height: int) -> Image.Image:
    """OpenAI masks mark the area to edit with transparent pixels; diffusers wants it white."""
    alpha = Image.open(io.BytesIO(mask.data)).convert("RGBA").getchannel("A")
    return alpha.point(lambda value: 255 if value == 0 else 0).resize((width, height))


def _encode(picture: Image.Image, request: ImageRequest) -> bytes:
    buffer = io.BytesIO()
    options: dict[str, Any] = {}
    if request.output_format in ("jpeg", "webp") and request.output_compression is not None:
        options["quality"] = request.output_compression
    picture.convert("RGB").save(buffer, format=request.output_format.upper(), **options)
    return buffer.getvalue()
