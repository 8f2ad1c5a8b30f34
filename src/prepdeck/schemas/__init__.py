"""The JSON Schemas shipped with prepdeck, one per kind of YAML file it reads."""

from __future__ import annotations

from typing import Literal, get_args

DocumentKind = Literal["bank", "tier", "pdf"]  # bank.yaml, a tier file, a style folder's pdf.yaml
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)
