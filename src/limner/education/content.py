"""The content Limner ships: a default acceptable-use policy and the first module for employees."""

from __future__ import annotations

from importlib import resources

import yaml

from limner.education.schemas import ModuleCreate, PolicyCreate

DEFAULT_POLICY_TITLE = "Acceptable use of image generation"


def shipped_policy() -> PolicyCreate:
    body = resources.files("limner.education").joinpath("content", "policy.md").read_text()
    return PolicyCreate(title=DEFAULT_POLICY_TITLE, body=body)


def shipped_modules() -> list[ModuleCreate]:
    folder = resources.files("limner.education").joinpath("content", "modules")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    return [ModuleCreate.model_validate(yaml.safe_load(f.read_text())) for f in files]
