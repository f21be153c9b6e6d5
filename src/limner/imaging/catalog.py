"""The model catalog: public model ids, the backend serving each, and each family's parameter rules.

Rules follow the vendor's documented limits (platform.openai.com/docs/api-reference/images), so a request
a model cannot serve is refused with a 400 naming the parameter, before any upstream round trip."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel, Field

from limner.errors import InvalidRequestError
from limner.imaging.requests import Operation

Family = Literal["dall-e-2", "dall-e-3", "gpt-image", "gpt-image-2", "local"]
STANDARD_GPT_SIZES = frozenset({"1024x1024", "1536x1024", "1024x1536", "auto"})
GPT_QUALITIES = frozenset({"low", "medium", "high", "auto"})
_SIZE = re.compile(r"^(\d{2,5})x(\d{2,5})$")


@dataclass(frozen=True, slots=True)
class FamilyRules:
    operations: frozenset[Operation]
    sizes: frozenset[str]
    n_max: int
    qualities: frozenset[str]
    styles: frozenset[str]
    response_formats: frozenset[str]  # empty: b64_json only, and response_format is refused
    prompt_max: int
    output_formats: frozenset[str]
    default_size: str
    default_response_format: str
    arbitrary_sizes: bool = False  # gpt-image-2: any WxH divisible by 16, 1:3..3:1, <= 3840x2160
    max_input_images: int = 1


GPT_IMAGE = FamilyRules(
    operations=frozenset({"generate", "edit"}),
    sizes=STANDARD_GPT_SIZES,
    n_max=10,
    qualities=GPT_QUALITIES,
    styles=frozenset(),
    response_formats=frozenset(),
    prompt_max=32000,
    output_formats=frozenset({"png", "jpeg", "webp"}),
    default_size="auto",
    default_response_format="b64_json",
    max_input_images=16,
)


FAMILIES: dict[str, FamilyRules] = {
    "dall-e-2": FamilyRules(
        operations=frozenset({"generate", "edit", "variation"}),
        sizes=frozenset({"256x256", "512x512", "1024x1024"}),
        n_max=10,
        qualities=frozenset({"standard"}),
        styles=frozenset(),
        response_formats=frozenset({"url", "b64_json"}),
        prompt_max=1000,
        output_formats=frozenset(),
        default_size="1024x1024",
        default_response_format="url",
    ),
    "dall-e-3": FamilyRules(
        operations=frozenset({"generate"}),
        sizes=frozenset({"1024x1024", "1792x1024", "1024x1792"}),
        n_max=1,
        qualities=frozenset({"standard", "hd"}),
        styles=frozenset({"vivid", "natural"}),
        response_formats=frozenset({"url", "b64_json"}),
        prompt_max=4000,
        output_formats=frozenset(),
        default_size="1024x1024",
        default_response_format="url",
    ),
    "gpt-image": GPT_IMAGE,
    "gpt-image-2": replace(GPT_IMAGE, arbitrary_sizes=True),  # gpt-image rules, any WxH too
    "local": FamilyRules(
        operations=frozenset({"generate", "edit", "variation"}),
        sizes=frozenset({"256x256", "512x512", "1024x1024", "1536x1024", "1024x1536"}),
        n_max=4,
        qualities=frozenset({"auto", "low", "medium", "high", "standard", "hd"}),
        styles=frozenset({"vivid", "natural"}),
        response_formats=frozenset({"url", "b64_json"}),
        prompt_max=32000,
        output_formats=frozenset({"png", "jpeg", "webp"}),
        default_size="1024x1024",
        default_response_format="b64_json",
        max_input_images=4,
    ),
}


class ModelSpec(BaseModel):
    id: str = Field(min_length=1, max_length=128, description="Public model id clients send")
    backend: str = Field(description="Name of a backend under generation.backends")
    family: Family
    upstream_model: str | None = Field(default=None, description="Id sent upstream; default: id")
    description: str = ""

    @property
    def rules(self) -> FamilyRules:
        return FAMILIES[self.family]

    @property
    def upstream_id(self) -> str:
        return self.upstream_model or self.id


def default_catalog() -> list[ModelSpec]:
    return [
        ModelSpec(
            id="limner-local",
            backend="local",
            family="local",
            description="Offline abstract renderer; needs no vendor account",
        )
    ]


def find_model(catalog: list[ModelSpec], model_id: str) -> ModelSpec:
    for spec in catalog:
        if spec.id == model_id:
            return spec
    raise InvalidRequestError(
        f"The model '{model_id}' does not exist or you do not have access to it.",
        param="model",
        code="model_not_found",
    )


def check_size(rules: FamilyRules, size: str) -> None:
    if size in rules.sizes:
        return
    match = _SIZE.match(size)
    if rules.arbitrary_sizes and match:
        width, height = int(match[1]), int(match[2])
        if _arbitrary_size_ok(width, height):
            return
        raise InvalidRequestError(
            f"Invalid size '{size}': width and height must be multiples of 16, the aspect ratio "
            "between 1:3 and 3:1, and at most 3840x2160.",
            param="size",
        )
    allowed = ", ".join(sorted(rules.sizes))
    raise InvalidRequestError(
        f"Invalid size '{size}' for this model. Supported values are: {allowed}.", param="size"
    )


def _arbitrary_size_ok(width: int, height: int) -> bool:
    long_edge, short_edge = max(width, height), min(width, height)
    return (
        width % 16 == 0
        and height % 16 == 0
        and short_edge > 0
        and long_edge <= 3 * short_edge
        and long_edge <= 3840
        and short_edge <= 2160
    )
