"""Case, FAQ and article matching: lexicon, query reading, terms, index, fusion, matcher."""

from knowledge.matching.matcher import CONF_THRESHOLD, Hit, Kind, Matcher, MatchResult

__all__ = ["CONF_THRESHOLD", "Hit", "Kind", "MatchResult", "Matcher"]
