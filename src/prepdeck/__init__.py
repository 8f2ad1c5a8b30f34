"""prepdeck: one YAML question bank in, an Anki deck and printable PDFs out."""

__version__ = "0.1.0"
