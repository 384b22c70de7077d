"""Rasa graph components for Korean. This is the only module of `nlu/` that imports Rasa (Rasa env only)."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.korean import get_analyzer, tokens
from nlu.linear_intents import MAX_CHARS as LINEAR_MAX_CHARS
from nlu.linear_intents import LinearIntentModel, blend_ranking, read_pool, shift_priors

logger = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class KoreanTokenizer(Tokenizer):
    """Morpheme tokens with exact character offsets (entities line up), lemma kept for the featurizers."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "analyzer": "mecab",
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self._analyzer = config.get("analyzer", "mecab")
        get_analyzer(self._analyzer)  # fail at load time, not on the first message

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> KoreanTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute) or ""
        result = [
            Token(m.surface, m.start, end=m.end, lemma=m.lemma, data={"pos": m.pos})
            for m in tokens(text, self._analyzer)
        ]
        if not result:
            # Rasa's featurizers expect at least one token (as WhitespaceTokenizer does for empty text).
            result = [Token(text, 0, end=len(text))]
        return self._apply_token_pattern(result)


def _tokenizer_views(message: Message, text: str, model: LinearIntentModel) -> tuple[str, str] | None:
    """`model`'s (lemma, shape) views of what KoreanTokenizer already found (same nlu.korean.tokens and analyzer as
    the linear model's training), so a message is analysed once, not twice (parse time); None when the tokens are
    not there or not comparable: a text the linear model would cut (MAX_CHARS), or the tokenizer's placeholder token
    for a text without morphemes."""
    found = message.get(TOKENS_NAMES[TEXT])
    if not found or len(text) > LINEAR_MAX_CHARS or any(t.get("pos") is None for t in found):
        return None
    return model.views([(t.lemma, t.get("pos")) for t in found])


# A receipt number as citizens type it: GJ-2026-000123, gj 2026 000123, GJ2026000123, GJ-2026-123.
_RECEIPT = re.compile(r"(?<![0-9a-z])gj[\s\-_.]*(20\d{2})(?:[\s\-_.]*(\d{6})|[\s\-_.]+(\d{1,5}))(?!\d)", re.IGNORECASE)


def normalize_receipt_id(text: str) -> str | None:
    """The canonical receipt number (GJ-<year>-<6 digits>) in `text`, or None when there is none."""
    m = _RECEIPT.search(text or "")
    if not m:
        return None
    return f"GJ-{m.group(1)}-{int(m.group(2) or m.group(3)):06d}"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class EntityResolver(GraphComponent):
    """Last entity step: one entity per span, canonical values, known names found where DIET missed them.

    - receipt_id: DIET and the RegexEntityExtractor both find receipt numbers, so a slot could receive the same
      number twice (a list). Overlapping entities of one type collapse into one (the regex extractor wins), a
      receipt_id that is not a receipt number is dropped and the value becomes GJ-<year>-<6 digits>.
    - closed entities (district, topic): their values are a known list (the synonyms and annotations of the
      training data). DIET sometimes tags a stray morpheme (월, 데, 지원) or a span one word too long; such an
      entity is kept only where a known alias overlaps it (the longest alias around it, with its canonical value).
    - lookup entities (place, district, topic): a known name (lookup table, synonym or annotation of the training
      data) at the start of a word (어절) is added when no entity covers it yet: 수완동에서, 첨단3지구는. Names inside
      a word are not taken (학동 in 대학동기).
    """

    ALIASES_FILE = "entity_aliases.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"closed_entities": ["district", "topic"], "lookup_entities": ["place", "district", "topic"]}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 aliases: dict[str, dict[str, dict[str, str]]] | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        aliases = aliases or {}
        self._closed = {name: _alias_patterns(table) for name, table in aliases.get("closed", {}).items()}
        self._lookup = {name: _word_start_pattern(table) for name, table in aliases.get("lookup", {}).items()}
        self._lookup_values = aliases.get("lookup", {})

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntityResolver:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        synonyms = {k.lower(): str(v) for k, v in training_data.entity_synonyms.items()}
        names = set(self._config["closed_entities"]) | set(self._config["lookup_entities"])
        known: dict[str, dict[str, str]] = {name: {} for name in names}  # entity -> alias (lower) -> value
        for example in training_data.entity_examples:
            for entity in example.get(ENTITIES) or []:
                if entity["entity"] in known:
                    surface = example.get(TEXT)[entity["start"]:entity["end"]]
                    value = synonyms.get(surface.lower(), str(entity.get("value", surface)))
                    known[entity["entity"]][surface.lower()] = value
                    known[entity["entity"]][value.lower()] = value
        for table in known.values():
            values = set(table.values())
            table.update({alias: value for alias, value in synonyms.items() if value in values})
        for lookup in training_data.lookup_tables:
            if lookup.get("name") in known:
                for element in lookup.get("elements") or []:
                    known[lookup["name"]].setdefault(element.lower(), synonyms.get(element.lower(), element))
        aliases = {"closed": {n: known[n] for n in self._config["closed_entities"] if n in known},
                   "lookup": {n: known[n] for n in self._config["lookup_entities"] if n in known}}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.ALIASES_FILE).write_text(json.dumps(aliases, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> EntityResolver:
        try:
            with model_storage.read_from(resource) as directory:
                aliases = json.loads((directory / cls.ALIASES_FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            aliases = None  # trained without entity data: nothing to check against
        return cls(config, model_storage, resource, aliases)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = clean_entities(text, message.get(ENTITIES) or [], self._closed)
            entities = find_known_names(text, entities, self._lookup, self._lookup_values)
            message.set(ENTITIES, entities, add_to_output=True)
        return messages


def _word_start_pattern(table: dict[str, str]) -> re.Pattern | None:
    """One alternation of all names, longest first, only at the start of a word; spaces inside are optional."""
    alternatives = sorted({r"\s*".join(re.escape(c) for c in alias if not c.isspace()) for alias in table} - {""},
                          key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", re.IGNORECASE) if alternatives else None


def find_known_names(text: str, entities: list[dict[str, Any]], patterns: dict[str, re.Pattern | None],
                     values: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """Entities plus the known names (at a word start) that no entity covers yet."""
    out = list(entities)
    for name, pattern in patterns.items():
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            if any(e.get("start", -1) < m.end() and m.start() < e.get("end", -1) for e in out):
                continue
            value = values[name].get(re.sub(r"\s+", " ", m.group()).lower()) or \
                values[name].get(m.group().lower()) or _value_ignoring_spaces(values[name], m.group())
            out.append({"entity": name, "start": m.start(), "end": m.end(), "value": value or m.group(),
                        "extractor": "EntityResolver"})
    return sorted(out, key=lambda e: (e.get("start") or 0, e.get("end") or 0))


def _value_ignoring_spaces(table: dict[str, str], surface: str) -> str | None:
    key = re.sub(r"\s+", "", surface).lower()
    return next((v for alias, v in table.items() if re.sub(r"\s+", "", alias) == key), None)


def _alias_patterns(table: dict[str, str]) -> list[tuple]:
    """(compiled pattern, canonical) per alias, longest first; spaces inside an alias are optional."""
    out = []
    for alias, canonical in table.items():
        chars = [re.escape(c) for c in alias if not c.isspace()]
        if chars:
            out.append((re.compile(r"\s*".join(chars), re.IGNORECASE), canonical, len(chars)))
    out.sort(key=lambda p: -p[2])
    return [(pattern, canonical) for pattern, canonical, _ in out]


def _closed_vocabulary(text: str, entity: dict[str, Any], patterns: list[tuple]) -> dict[str, Any] | None:
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


def clean_entities(text: str, entities: list[dict[str, Any]],
                   closed: dict[str, list[tuple]] | None = None) -> list[dict[str, Any]]:
    closed = closed or {}

    def rank(e: dict[str, Any]) -> tuple:
        from_regex = e.get("extractor") == "RegexEntityExtractor"
        return (from_regex if e.get("entity") == "receipt_id" else False, e.get("confidence_entity") or 0.0)

    kept: list[dict[str, Any]] = []
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


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    try:
        return a["start"] < b["end"] and b["start"] < a["end"]
    except (KeyError, TypeError):
        return a.get("value") == b.get("value")


_ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def _foreign_letters_only(text: str) -> bool:
    """Letters, but none Korean or Latin (Привет мир こんにちは 123): nothing the features know, so DIET's intent is a
    guess from digits and spaces (it once said ask_program 0.51). Digits alone are left to DIET (form answers)."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and not any(_HANGUL.match(c) or ("a" <= c.lower() <= "z") for c in letters)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NoWordsGuard(GraphComponent):
    """A message without a single letter or digit (?!?!..., 🙂🙂, control characters), or whose letters are all of
    scripts other than Korean and Latin, says nothing the assistant could act on: it is out_of_scope (the help
    menu), whatever DIET guessed from its punctuation n-grams (real petition titles end in !!! and ~~~, so DIET once
    called "?!?!...,,,;;;~~~" a proposal with confidence 1.0)."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NoWordsGuard:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            # Terminal escape sequences (ESC[31m) carry letters and digits that are no words either.
            words = _ANSI_ESCAPE.sub("", text)
            if text.strip() and (not any(c.isalnum() for c in words) or _foreign_letters_only(words)):
                intent = {"name": "out_of_scope", "confidence": 1.0}
                others = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "out_of_scope"]
                message.set(INTENT, intent, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [intent, *[{**r, "confidence": 0.0} for r in others]],
                            add_to_output=True)
                message.set(ENTITIES, [], add_to_output=True)
        return messages


def _pool_path(config: dict[str, Any]) -> Path | None:
    """The configured pool file: relative to the working directory (rasa train runs in the project), else to the
    project root; None when not configured."""
    name = config.get("pool")
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() or path.exists() else ROOT / path


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent):
    """Second-stage intent classifier: a linear model (nlu/linear_intents.py) trained on nlu/data plus a larger real
    pool (nlu/pool/, which DIET never reads: DIET's training time stays), blended with DIET's intent ranking:
    (1 - weight) * DIET + weight * linear. It rewrites `intent` and `intent_ranking`, so the FallbackClassifier and
    the policies see the blend. Placed right after DIETClassifier, so NoWordsGuard (later) keeps the last word on
    messages without words. Never raises while parsing: on any failure DIET's ranking stays as it was."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"pool": None, "weight": 0.4, "intent_weights": {}, "log_prior": {}, "analyzer": "kiwi",
                "ranking_length": 10, "char_ngrams": [1, 3], "word_ngrams": [1, 2], "max_char_features": 60000,
                "max_word_features": 30000, "alpha": 1e-5, "use_lemmas": True,
                "shape_ngrams": [0, 0], "shape_keep": [], "swap_words": [], "swap_copies": 0}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: LinearIntentModel | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The pool is no graph input: its content must be part of the fingerprint, or a changed pool would reuse
        the cached model."""
        path = _pool_path(config)
        if path is None or not path.exists():
            return "no-pool"
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        texts = [m.get(TEXT) or "" for m in training_data.intent_examples]
        labels = [m.get(INTENT) for m in training_data.intent_examples]
        path = _pool_path(self._config)
        if path is not None:
            if path.exists():
                pool = read_pool(path)
                texts += [t for t, _ in pool]
                labels += [i for _, i in pool]
            else:
                logger.warning("LinearIntentClassifier: pool %s not found; training on nlu/data only", path)
        if len(set(labels)) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents to learn; DIET's ranking is kept as is")
            return self._resource
        settings = {k: self._config[k] for k in LinearIntentModel.SETTINGS}
        self._model = LinearIntentModel(**settings).fit(texts, labels)
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = LinearIntentModel.load(directory)
        except (ValueError, OSError, KeyError):
            model = None  # trained without enough data: DIET alone
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if not any(c.isalnum() for c in text):
                continue  # nothing to read: left to DIET and NoWordsGuard
            try:
                linear = self._model.proba_dict(text, _tokenizer_views(message, text, self._model))
                ranking = blend_ranking(message.get(INTENT_RANKING_KEY) or [],
                                        shift_priors(linear, self._config.get("log_prior")),
                                        self._config["weight"], self._config.get("intent_weights"))
            except Exception:  # a parse must never fail because of the second stage
                logger.exception("LinearIntentClassifier failed; DIET's ranking is kept")
                continue
            if not ranking:
                continue
            ranking = ranking[: self._config["ranking_length"]]
            message.set(INTENT, {"name": ranking[0]["name"], "confidence": ranking[0]["confidence"]},
                        add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
