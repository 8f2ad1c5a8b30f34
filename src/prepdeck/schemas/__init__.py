"""The JSON Schemas shipped with prepdeck, one per kind of file it reads: bank.yaml, a
tier file, a style folder's pdf.yaml, and the lock (JSON, read by `lock/file.py`)."""

from __future__ import annotations

from typing import Literal, get_args

DocumentKind = Literal["bank", "tier", "pdf", "lock"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)
