"""The knowledge base cadres see now, with its matcher, swapped as one immutable snapshot.

Readers take ``service.current`` once per request, so a query in flight keeps the snapshot it
started with while a new version is built and swapped in.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from knowledge import intent
from knowledge.loader import load_bundled
from knowledge.matching import Matcher
from knowledge.models import KnowledgeBase


@dataclass(frozen=True)
class Snapshot:
    version: int
    kb: KnowledgeBase
    matcher: Matcher


class KnowledgeService:
    def __init__(self, snapshot: Snapshot) -> None:
        self._current = snapshot

    @classmethod
    def from_kb(cls, kb: KnowledgeBase, version: int = 1) -> KnowledgeService:
        return cls(Snapshot(version, kb, _build(kb)))

    @classmethod
    def bundled(cls) -> KnowledgeService:
        return cls.from_kb(load_bundled())

    @property
    def current(self) -> Snapshot:
        return self._current

    async def swap(self, kb: KnowledgeBase, version: int, *, rebuild: bool = True) -> Snapshot:
        """Build the new index off the event loop, then replace the snapshot in one assignment."""
        if rebuild:
            matcher = await asyncio.to_thread(_build, kb)
        else:
            matcher = self._current.matcher
            await asyncio.to_thread(intent.model_for, kb)  # the FAQ may have changed
        self._current = Snapshot(version, kb, matcher)
        return self._current


def _build(kb: KnowledgeBase) -> Matcher:
    """The matcher index, and the intent model trained for this knowledge base (cached by content)."""
    matcher = Matcher.build(kb.cases, kb.faq, kb.articles)
    intent.model_for(kb)
    return matcher
