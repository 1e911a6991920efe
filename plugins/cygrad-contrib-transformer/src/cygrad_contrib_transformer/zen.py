"""The demo's text, the Zen of Python, and the characters it is written in."""
from __future__ import annotations

import codecs
import contextlib
import io
from collections.abc import Iterable

import numpy as np

__all__ = ["CharVocabulary", "zen_of_python"]


def zen_of_python() -> str:
    """The Zen of Python, as ``import this`` prints it, without printing it.

    The ``this`` module keeps the text rot13-encoded in ``this.s`` and prints it when first
    imported; the import runs with stdout captured.
    """
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, "rot13")


class CharVocabulary:
    """The distinct characters of a text, numbered in sorted order: text <-> integer ids."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise ValueError(f"CharVocabulary: expected a non-empty str, got {text!r}")
        self.chars = sorted(set(text))
        self._ids = {c: i for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """The ids of ``text``'s characters; a character outside the vocabulary is a ValueError."""
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise ValueError(f"CharVocabulary.encode: characters {unknown} are not in the vocabulary")
        return np.array([self._ids[c] for c in text], dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> str:
        """The text of ``ids``."""
        return "".join(self.chars[int(i)] for i in ids)
