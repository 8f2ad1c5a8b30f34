"""Styles are data.  Defaults ship inside the package (`prepdeck/styles/`); a user's
style folders (`--styles DIR`, by default the project's `styles/`) layer on top:
CSS is appended, so it cascades over the defaults, and YAML is deep-merged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

DEFAULTS_DIR = Path(__file__).parent / "styles"

try:  # libyaml's parser: `validate` reads pdf.yaml for the fonts, and must stay fast
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


def style_files(name: str, style_dirs: Sequence[Path]) -> list[Path]:
    """The default file called `name`, then each user folder's, in cascade order."""
    candidates = [DEFAULTS_DIR / name, *(Path(d) / name for d in style_dirs)]
    return [p for p in candidates if p.is_file()]


def read_css(name: str, style_dirs: Sequence[Path]) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in style_files(name, style_dirs))


def deep_merge(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(name: str, style_dirs: Sequence[Path]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in style_files(name, style_dirs):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SafeLoader) or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: a style file must be a mapping")
        merged = deep_merge(merged, data)
    return merged
