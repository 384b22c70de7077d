"""Rasa graph components for Korean. This is the only module of `nlu/` that imports Rasa (Rasa env only)."""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.korean import get_analyzer, tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class KoreanTokenizer(Tokenizer):
    """Morpheme tokens with exact character offsets (entities line up), lemma kept for the featurizers."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "analyzer": "mecab",
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._analyzer = config.get("analyzer", "mecab")
        get_analyzer(self._analyzer)  # fail at load time, not on the first message

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KoreanTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        result = [
            Token(m.surface, m.start, end=m.end, lemma=m.lemma, data={"pos": m.pos})
            for m in tokens(text, self._analyzer)
        ]
        if not result:
            # Rasa's featurizers expect at least one token (as WhitespaceTokenizer does for empty text).
            result = [Token(text, 0, end=len(text))]
        return self._apply_token_pattern(result)


# A receipt number as citizens type it: GJ-2026-000123, gj 2026 000123, GJ2026000123, GJ-2026-123.
_RECEIPT = re.compile(r"(?<![0-9a-z])gj[\s\-_.]*(20\d{2})(?:[\s\-_.]*(\d{6})|[\s\-_.]+(\d{1,5}))(?!\d)", re.I)


def normalize_receipt_id(text: str) -> str | None:
    """The canonical receipt number (GJ-<year>-<6 digits>) in `text`, or None when there is none."""
    m = _RECEIPT.search(text or "")
    if not m:
        return None
    return f"GJ-{m.group(1)}-{int(m.group(2) or m.group(3)):06d}"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityCleaner(GraphComponent):
    """Last entity step: one entity per span, canonical values, no guesses outside a closed vocabulary.

    - receipt_id: DIET and the RegexEntityExtractor both find receipt numbers, so a slot could receive the same
      number twice (a list). Overlapping entities of one type collapse into one (the regex extractor wins), a
      receipt_id that is not a receipt number is dropped and the value becomes GJ-<year>-<6 digits>.
    - closed entities (district, topic): their values are a known list (the synonyms and annotations of the
      training data). DIET sometimes tags a stray morpheme (월, 데, 지원) or a span one word too long; such an
      entity is kept only where a known alias overlaps it (the longest alias around it, with its canonical value).
    """

    ALIASES_FILE = "closed_entity_aliases.json"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"closed_entities": ["district", "topic"]}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 aliases: Dict[Text, Dict[Text, Text]] | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._aliases = aliases or {}
        self._patterns = {name: _alias_patterns(table) for name, table in self._aliases.items()}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "EntityCleaner":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        synonyms = {k.lower(): str(v) for k, v in training_data.entity_synonyms.items()}
        aliases: Dict[Text, Dict[Text, Text]] = {name: {} for name in self._config["closed_entities"]}
        for example in training_data.entity_examples:
            for entity in example.get(ENTITIES) or []:
                if entity["entity"] in aliases:
                    surface = example.get(TEXT)[entity["start"]:entity["end"]]
                    canonical = synonyms.get(surface.lower(), str(entity.get("value", surface)))
                    canonical = synonyms.get(canonical.lower(), canonical)
                    aliases[entity["entity"]][surface.lower()] = canonical
                    aliases[entity["entity"]][canonical.lower()] = canonical
        for name, table in aliases.items():
            canon = set(table.values())
            table.update({alias: value for alias, value in synonyms.items() if value in canon})
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.ALIASES_FILE).write_text(json.dumps(aliases, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "EntityCleaner":
        aliases = None
        try:
            with model_storage.read_from(resource) as directory:
                aliases = json.loads((directory / cls.ALIASES_FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            aliases = None  # no training data with closed entities: nothing to check against
        return cls(config, model_storage, resource, aliases)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if entities:
                cleaned = clean_entities(message.get(TEXT) or "", entities, self._patterns)
                message.set(ENTITIES, cleaned, add_to_output=True)
        return messages


def _alias_patterns(table: Dict[Text, Text]) -> List[tuple]:
    """(compiled pattern, canonical) per alias, longest first; spaces inside an alias are optional."""
    out = []
    for alias, canonical in table.items():
        chars = [re.escape(c) for c in alias if not c.isspace()]
        if chars:
            out.append((re.compile(r"\s*".join(chars), re.I), canonical, len(chars)))
    out.sort(key=lambda p: -p[2])
    return [(pattern, canonical) for pattern, canonical, _ in out]


def _closed_vocabulary(text: str, entity: Dict[Text, Any], patterns: List[tuple]) -> Dict[Text, Any] | None:
    """The longest known alias overlapping the entity's span (looking one word to each side), or None."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return None
    words = [m.span() for m in re.finditer(r"\S+", text)]
    touched = [i for i, (a, b) in enumerate(words) if a < end and start < b]
    if not touched:
        return None
    lo = words[max(touched[0] - 1, 0)][0]
    hi = words[min(touched[-1] + 1, len(words) - 1)][1]
    for pattern, canonical in patterns:
        for m in pattern.finditer(text, lo, hi):
            if m.start() < end and start < m.end():
                return {**entity, "start": m.start(), "end": m.end(), "value": canonical}
    return None


def clean_entities(text: str, entities: List[Dict[Text, Any]],
                   closed: Dict[Text, List[tuple]] | None = None) -> List[Dict[Text, Any]]:
    closed = closed or {}

    def rank(e: Dict[Text, Any]) -> tuple:
        from_regex = e.get("extractor") == "RegexEntityExtractor"
        return (from_regex if e.get("entity") == "receipt_id" else False, e.get("confidence_entity") or 0.0)

    kept: List[Dict[Text, Any]] = []
    for entity in sorted(entities, key=rank, reverse=True):
        if entity.get("entity") == "receipt_id":
            start, end = entity.get("start"), entity.get("end")
            surface = text[start:end] if isinstance(start, int) and isinstance(end, int) else str(entity.get("value"))
            value = normalize_receipt_id(surface) or normalize_receipt_id(str(entity.get("value", "")))
            if value is None:
                continue
            entity = {**entity, "value": value}
        elif entity.get("entity") in closed:
            entity = _closed_vocabulary(text, entity, closed[entity["entity"]])
            if entity is None:
                continue
        if any(k.get("entity") == entity.get("entity") and _overlap(k, entity) for k in kept):
            continue
        kept.append(entity)
    return sorted(kept, key=lambda e: (e.get("start") or 0, e.get("end") or 0))


def _overlap(a: Dict[Text, Any], b: Dict[Text, Any]) -> bool:
    try:
        return a["start"] < b["end"] and b["start"] < a["end"]
    except (KeyError, TypeError):
        return a.get("value") == b.get("value")
