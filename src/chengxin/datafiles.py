"""Versioned YAML data shipped in the package (catalog, measures, tiers, list terms)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(package: str, filename: str, path: Path | None, error: type[Exception]) -> Any:
    """The document at `path`, or the packaged `filename`; bad YAML raises `error` with a Chinese message."""
    if path is None:
        text = resources.files(package).joinpath(filename).read_text("utf-8")
        where = filename
    else:
        text = Path(path).read_text("utf-8")
        where = str(path)
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise error(f"{where} 不是合法的 YAML：{exc}") from exc
