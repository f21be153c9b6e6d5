"""Unit tests for the diffusers backend: a tiny random pipeline built offline, run on the CPU.

No network and no downloaded weights; the vendor HTTP backends' integration tests live in
tests/integration/generation/backends/."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from limner.errors import ConfigError, InvalidRequestError, UnavailableError
from limner.generation.backends.diffusers import DiffusersBackend, DiffusersConfig
from limner.generation.backends.diffusers import _import_stack as import_stack
from limner.imaging.requests import ImageRequest, InputImage


def _byte_vocabulary() -> dict[str, int]:
    """CLIP's byte-level alphabet, each symbol alone and word-final, plus the two special tokens."""
    from tokenizers.pre_tokenizers import ByteLevel

    symbols = sorted(ByteLevel.alphabet())
    tokens = ["<|startoftext|>", "<|endoftext|>", *symbols, *(s + "</w>" for s in symbols)]
    return {token: index for index, token in enumerate(tokens)}


def build_tiny_pipeline(path: Path) -> None:
    """A randomly initialised Stable Diffusion pipeline small enough to run 64x64 in a second."""
    import torch
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    diffusers: Any = importlib.import_module("diffusers")  # partly typed; the test needs none of it

    torch.manual_seed(0)
    tokenizer = CLIPTokenizer(vocab=_byte_vocabulary(), merges=[], model_max_length=16)
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(_byte_vocabulary()),
            hidden_size=32,
            intermediate_size=37,
            num_attention_heads=4,
            num_hidden_layers=2,
            max_position_embeddings=16,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
    )
    unet = diffusers.UNet2DConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=32,
    )
    vae = diffusers.AutoencoderKL(
        block_out_channels=(32, 64),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"),
        latent_channels=4,
        norm_num_groups=32,
    )
    pipeline = diffusers.StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=diffusers.DDIMScheduler(steps_offset=1, clip_sample=False),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(str(path))


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tiny-sd") / "pipeline"
    build_tiny_pipeline(path)
    return path


@pytest.fixture(scope="module")
def backend(pipeline_dir: Path) -> DiffusersBackend:
    return DiffusersBackend(DiffusersConfig(model_path=pipeline_dir, steps=2, guidance=1.0))


def _request(**overrides: object) -> ImageRequest:
    fields: dict[str, object] = {"operation": "generate", "model": "tiny", "prompt": "a red cube", "n": 1}
    fields |= {"size": "64x64", "seed": 7}
    return ImageRequest(**(fields | overrides))  # type: ignore[arg-type]


def _png(size: tuple[int, int], mode: str = "RGB", colour: object = (200, 30, 30)) -> InputImage:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format="PNG")  # type: ignore[arg-type]
    return InputImage(data=buffer.getvalue(), width=size[0], height=size[1])


async def test_generates_a_png_of_the_requested_size_on_cpu(backend: DiffusersBackend) -> None:
    result = await backend.generate(_request())
    picture = Image.open(io.BytesIO(result.images[0].data))
    assert (result.images[0].format, picture.format, picture.size) == ("png", "PNG", (64, 64))
    assert result.usage is None


async def test_same_seed_gives_the_same_image(backend: DiffusersBackend) -> None:
    first = await backend.generate(_request(seed=11))
    second = await backend.generate(_request(seed=11))
    assert first.images[0].data == second.images[0].data


async def test_n_images_differ_and_honour_output_format(backend: DiffusersBackend) -> None:
    result = await backend.generate(_request(n=2, output_format="jpeg", output_compression=80))
    assert [image.format for image in result.images] == ["jpeg", "jpeg"]
    assert all(image.data.startswith(b"\xff\xd8\xff") for image in result.images)
    assert result.images[0].data != result.images[1].data


async def test_edit_without_mask_runs_image_to_image(backend: DiffusersBackend) -> None:
    result = await backend.generate(_request(operation="edit", images=(_png((80, 80)),)))
    assert Image.open(io.BytesIO(result.images[0].data)).size == (64, 64)


async def test_edit_with_mask_runs_inpainting(backend: DiffusersBackend) -> None:
    mask = _png((64, 64), mode="RGBA", colour=(0, 0, 0, 0))
    result = await backend.generate(_request(operation="edit", images=(_png((64, 64)),), mask=mask))
    assert Image.open(io.BytesIO(result.images[0].data)).size == (64, 64)


async def test_variation_uses_the_input_image_without_prompt(backend: DiffusersBackend) -> None:
    request = _request(operation="variation", prompt=None, images=(_png((64, 64)),))
    result = await backend.generate(request)
    assert result.images[0].format == "png"


async def test_refuses_size_not_multiple_of_eight(backend: DiffusersBackend) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await backend.generate(_request(size="60x60"))
    assert caught.value.param == "size"


def test_missing_pipeline_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"model_index\.json"):
        DiffusersBackend(DiffusersConfig(model_path=tmp_path))


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> None:
        raise ImportError(name)

    monkeypatch.setattr("limner.generation.backends.diffusers.importlib.import_module", refuse)
    with pytest.raises(ConfigError, match=r"limner\[diffusers\]"):
        import_stack()


async def test_closed_backend_reports_unavailable(pipeline_dir: Path) -> None:
    backend = DiffusersBackend(DiffusersConfig(model_path=pipeline_dir, steps=1))
    await backend.check()
    await backend.aclose()
    with pytest.raises(UnavailableError):
        await backend.check()
    with pytest.raises(UnavailableError):
        await backend.generate(_request())
