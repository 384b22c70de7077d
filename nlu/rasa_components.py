"""Rasa graph components for Korean. This is the only module of `nlu/` that imports Rasa (Rasa env only)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

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
