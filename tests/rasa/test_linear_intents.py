"""The linear second-stage intent classifier: the plain model (nlu/linear_intents.py) and its Rasa adapter
(nlu.rasa_components.LinearIntentClassifier): fit/predict, determinism, bad input, persistence without pickle,
the blend, the pool's fingerprint and its disjointness from the dev sample."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from nlu.linear_intents import LinearIntentModel, blend_ranking, read_pool

ROOT = Path(__file__).resolve().parents[2]

TRAIN = [
    ("가로등이 고장났어요 고쳐주세요", "propose"), ("우리 동네 불법주차 단속해 주세요", "propose"),
    ("버스 배차 간격이 너무 길어요", "propose"), ("골목에 쓰레기 무단투기가 심각합니다", "propose"),
    ("횡단보도 신호가 너무 짧아요", "propose"), ("놀이터 그네가 부서졌어요", "propose"),
    ("오늘 점심 뭐 먹지", "out_of_scope"), ("영화 보고 싶다", "out_of_scope"), ("주말에 뭐 하지", "out_of_scope"),
    ("배고파 죽겠다", "out_of_scope"), ("노래 추천해줘", "out_of_scope"), ("잠이 안 와", "out_of_scope"),
    ("안녕하세요", "greet"), ("안녕", "greet"), ("하이", "greet"), ("반가워요", "greet"),
]
BAD = ["", "   ", "🙂🙂🙂", "?!?!...", "가" * 2000, "\x00\x01\x1b[31m\x7f", "Привет мир", None]


@pytest.fixture(scope="module")
def model() -> LinearIntentModel:
    return LinearIntentModel(analyzer="kiwi").fit([t for t, _ in TRAIN], [i for _, i in TRAIN])


def test_fit_and_predict_on_a_tiny_set(model):
    classes, probs = model.predict_proba(["가로등 고장 고쳐주세요", "점심 뭐 먹을까", "안녕하세요 반가워요"])
    assert sorted(classes) == ["greet", "out_of_scope", "propose"]
    assert probs.shape == (3, 3) and np.allclose(probs.sum(axis=1), 1.0)
    assert [classes[i] for i in probs.argmax(axis=1)] == ["propose", "out_of_scope", "greet"]


def test_training_is_deterministic(model):
    again = LinearIntentModel(analyzer="kiwi").fit([t for t, _ in TRAIN], [i for _, i in TRAIN])
    texts = ["불법주차 너무 심해요", "심심하다"]
    assert np.array_equal(model.predict_proba(texts)[1], again.predict_proba(texts)[1])


def test_bad_input_gives_probabilities_not_exceptions(model):
    classes, probs = model.predict_proba(BAD)
    assert probs.shape == (len(BAD), len(classes))
    assert np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1.0)


def test_fit_refuses_a_single_intent():
    with pytest.raises(ValueError):
        LinearIntentModel().fit(["a", "b"], ["greet", "greet"])


def test_save_and_load_give_the_same_probabilities(model, tmp_path):
    model.save(tmp_path)
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in tmp_path.iterdir())
    loaded = LinearIntentModel.load(tmp_path)
    texts = ["버스가 안 와요", "영화 추천", ""]
    assert loaded.classes == model.classes
    assert np.allclose(loaded.predict_proba(texts)[1], model.predict_proba(texts)[1], atol=1e-6)


def test_blend_mixes_renormalises_and_sorts():
    diet = [{"name": "out_of_scope", "confidence": 0.6}, {"name": "propose", "confidence": 0.3},
            {"name": "greet", "confidence": 0.05}]  # cut ranking: sums to 0.95
    out = blend_ranking(diet, {"propose": 0.9, "out_of_scope": 0.1}, 0.5)
    assert [r["name"] for r in out] == ["propose", "out_of_scope", "greet"]
    assert out[0]["confidence"] == pytest.approx(0.6 / 0.975)
    assert sum(r["confidence"] for r in out) == pytest.approx(1.0)
    assert blend_ranking(diet, {"propose": 1.0}, 0.0)[0]["name"] == "out_of_scope"  # weight 0: DIET alone
    no_diet = blend_ranking([], {"greet": 0.7, "propose": 0.3}, 0.4)  # no DIET ranking: the linear model alone
    assert no_diet[0]["name"] == "greet" and no_diet[0]["confidence"] == pytest.approx(0.7)


def test_blend_weights_per_intent_keep_diet_on_the_small_intents():
    # DIET is sure of affirm; the linear model calls the short message everyday talk.
    diet = [{"name": "affirm", "confidence": 0.9}, {"name": "out_of_scope", "confidence": 0.1}]
    linear = {"affirm": 0.05, "out_of_scope": 0.95}
    assert blend_ranking(diet, linear, 0.7)[0]["name"] == "out_of_scope"  # one weight for all: the linear side wins
    out = blend_ranking(diet, linear, 0.2, {"out_of_scope": 0.7, "propose": 0.7})
    # affirm 0.8 * 0.9 + 0.2 * 0.05 = 0.73, out_of_scope 0.3 * 0.1 + 0.7 * 0.95 = 0.695, renormalised
    assert [r["name"] for r in out] == ["affirm", "out_of_scope"]
    assert out[0]["confidence"] == pytest.approx(0.73 / 1.425)


def test_read_pool_limits_per_source(tmp_path):
    path = tmp_path / "pool.yml"
    path.write_text('version: "3.1"\nnlu:\n  - intent: propose\n    metadata:\n      source: petitions\n'
                    "    examples: |\n      - 가로등 고장\n      - 불법주차\n  - intent: out_of_scope\n    metadata:\n"
                    "      source: chatbot\n    examples: |\n      - 심심해\n", encoding="utf-8")
    assert read_pool(path) == [("가로등 고장", "propose"), ("불법주차", "propose"), ("심심해", "out_of_scope")]
    assert read_pool(path, {"petitions": 1}) == [("가로등 고장", "propose"), ("심심해", "out_of_scope")]


def test_shipped_pool_is_disjoint_from_the_dev_sample_and_the_training_data():
    pool = ROOT / "nlu" / "pool" / "real_pool.yml"
    if not pool.exists():
        pytest.skip("no pool (python -m bench.sample_nlu_data)")

    def key(text: str) -> str:
        return re.sub(r"[\s.,!?~]+", "", text).lower()

    pooled = {key(t) for t, _ in read_pool(pool)}
    for other in [ROOT / "nlu" / "eval" / "dev_real.yml", ROOT / "nlu" / "data" / "real_samples.yml"]:
        assert not pooled & {key(t) for t, _ in read_pool(other)}, other.name


# ---------------------------------------------------------------- the Rasa adapter
def _component(tmp_path, config=None, pool=None):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from nlu.rasa_components import LinearIntentClassifier

    (tmp_path / "storage").mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("linear_intents")
    context = ExecutionContext(GraphSchema({}), "test")
    full = {**LinearIntentClassifier.get_default_config(), "pool": str(pool) if pool else None, **(config or {})}
    return LinearIntentClassifier, full, storage, resource, context


def _training_data():
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    return TrainingData([Message(data={"text": t, "intent": i}) for t, i in TRAIN])


def test_component_trains_persists_loads_and_blends(tmp_path):
    from rasa.shared.nlu.training_data.message import Message

    cls, config, storage, resource, context = _component(tmp_path, {"weight": 0.5})
    cls.create(config, storage, resource, context).train(_training_data())
    loaded = cls.load(config, storage, resource, context)
    # DIET (simulated) says out_of_scope, narrowly; the linear model is sure it is a complaint.
    msg = Message(data={"text": "가로등 고장 고쳐주세요"})
    msg.set("intent", {"name": "out_of_scope", "confidence": 0.55})
    msg.set("intent_ranking", [{"name": "out_of_scope", "confidence": 0.55}, {"name": "propose", "confidence": 0.45}])
    [out] = loaded.process([msg])
    ranking = out.get("intent_ranking")
    assert out.get("intent")["name"] == ranking[0]["name"] == "propose"
    assert out.get("intent")["confidence"] == pytest.approx(ranking[0]["confidence"])
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    assert {"greet", "propose", "out_of_scope"} <= {r["name"] for r in ranking}


def test_component_never_raises_and_leaves_wordless_messages_to_diet(tmp_path):
    from rasa.shared.nlu.training_data.message import Message

    cls, config, storage, resource, context = _component(tmp_path)
    cls.create(config, storage, resource, context).train(_training_data())
    loaded = cls.load(config, storage, resource, context)
    for text in BAD:
        msg = Message(data={"text": text})
        diet = [{"name": "out_of_scope", "confidence": 0.9}, {"name": "propose", "confidence": 0.1}]
        msg.set("intent_ranking", diet)
        [out] = loaded.process([msg])
        if not any(c.isalnum() for c in text or ""):
            assert out.get("intent_ranking") == diet
        assert all(0.0 <= r["confidence"] <= 1.0 for r in out.get("intent_ranking"))


def test_untrained_component_is_a_pass_through(tmp_path):
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    cls, config, storage, resource, context = _component(tmp_path)
    cls.create(config, storage, resource, context).train(TrainingData([Message(data={"text": "a", "intent": "greet"})]))
    loaded = cls.load(config, storage, resource, context)
    msg = Message(data={"text": "가로등"})
    msg.set("intent_ranking", [{"name": "greet", "confidence": 1.0}])
    assert loaded.process([msg])[0].get("intent_ranking") == [{"name": "greet", "confidence": 1.0}]


def test_fingerprint_follows_the_pool_content(tmp_path):
    from nlu.rasa_components import LinearIntentClassifier

    pool = tmp_path / "pool.yml"
    pool.write_text("nlu: []\n", encoding="utf-8")
    first = LinearIntentClassifier.fingerprint_addon({"pool": str(pool)})
    assert first == LinearIntentClassifier.fingerprint_addon({"pool": str(pool)})
    pool.write_text('nlu:\n  - intent: propose\n    examples: |\n      - 가로등\n', encoding="utf-8")
    assert LinearIntentClassifier.fingerprint_addon({"pool": str(pool)}) != first


def test_component_reads_its_pool(tmp_path):
    pool = tmp_path / "pool.yml"
    pool.write_text('version: "3.1"\nnlu:\n  - intent: bot_challenge\n    examples: |\n      - 너 로봇이야\n'
                    "      - 사람이야 기계야\n      - 너 챗봇이지\n", encoding="utf-8")
    cls, config, storage, resource, context = _component(tmp_path, pool=pool)
    cls.create(config, storage, resource, context).train(_training_data())
    loaded = cls.load(config, storage, resource, context)
    assert "bot_challenge" in loaded._model.classes


@pytest.mark.parametrize("text", ["가로등이 고장났어요 고쳐주세요", "데이터센터언제열어요", "오늘 점심 뭐 먹지 ㅋㅋ", "AI 사관학교 GPU"])
def test_component_reuses_the_tokenizers_lemmas_with_the_same_result(tmp_path, text):
    from rasa.shared.nlu.training_data.message import Message

    from nlu.rasa_components import KoreanTokenizer, _tokenizer_views

    cls, config, storage, resource, context = _component(tmp_path, {"weight": 1.0})
    cls.create(config, storage, resource, context).train(_training_data())
    loaded = cls.load(config, storage, resource, context)
    tokenizer = KoreanTokenizer({**KoreanTokenizer.get_default_config(), "analyzer": config["analyzer"]})
    tokenized, plain = Message(data={"text": text}), Message(data={"text": text})
    tokenizer.process([tokenized])
    assert _tokenizer_views(tokenized, text, loaded._model)  # the shortcut is taken, not silently skipped
    assert _tokenizer_views(plain, text, loaded._model) is None
    for m in (tokenized, plain):
        m.set("intent_ranking", [{"name": "out_of_scope", "confidence": 1.0}])
    loaded.process([tokenized, plain])
    assert tokenized.get("intent_ranking") == plain.get("intent_ranking")


def test_shift_priors_moves_the_odds_and_keeps_a_distribution():
    from nlu.linear_intents import shift_priors

    probs = {"propose": 0.4, "out_of_scope": 0.6}
    assert shift_priors(probs, {}) == probs and shift_priors(probs, None) == probs
    moved = shift_priors(probs, {"propose": math.log(3)})  # odds 0.4:0.6 -> 1.2:0.6
    assert moved["propose"] == pytest.approx(2 / 3) and sum(moved.values()) == pytest.approx(1.0)
    assert shift_priors({"propose": 0.0, "greet": 0.0}, {"propose": 1.0}) == {"propose": 0.0, "greet": 0.0}


def test_component_applies_its_log_prior(tmp_path):
    from rasa.shared.nlu.training_data.message import Message

    results = {}
    for shift in (0.0, 3.0):
        cls, config, storage, resource, context = _component(tmp_path / str(shift), {"weight": 1.0,
                                                                                      "log_prior": {"propose": shift}})
        cls.create(config, storage, resource, context).train(_training_data())
        msg = Message(data={"text": "동네 얘기 좀 할게요"})
        msg.set("intent_ranking", [{"name": "out_of_scope", "confidence": 1.0}])
        cls.load(config, storage, resource, context).process([msg])
        results[shift] = {r["name"]: r["confidence"] for r in msg.get("intent_ranking")}["propose"]
    assert results[3.0] > results[0.0]


# ---------------------------------------------------------------- subject-independent features (fifth round)
def test_shape_view_hides_the_subject_and_keeps_the_request():
    from nlu.linear_intents import join_shape

    # Two complaints about different subjects, asked the same way, have one shape; the words of the request stay.
    a = join_shape([("육교", "NNG"), ("고장", "NNG"), ("수리", "NNG"), ("해", "XSV"), ("주", "VX"), ("세요", "EP+EF")])
    b = join_shape([("비둘기", "NNG"), ("고장", "NNG"), ("수리", "NNG"), ("해", "XSV"), ("주", "VX"), ("세요", "EP+EF")])
    assert a == b == "<s> N N N 해/XSV 주/VX 세요/EP </s>"
    assert join_shape([("버스", "NNG"), ("타", "VV"), ("었", "EP"), ("어", "EF")], keep={"버스"}).startswith("<s> 버스/NNG")


def test_shape_features_train_persist_and_load(tmp_path):
    texts, labels = [t for t, _ in TRAIN], [i for _, i in TRAIN]
    model = LinearIntentModel(analyzer="mecab", shape_ngrams=(1, 3)).fit(texts, labels)
    assert model._shape is not None and len(model._shape.vocabulary_) > 0
    model.save(tmp_path)
    loaded = LinearIntentModel.load(tmp_path)
    probe = ["육교 계단이 부서졌어요 고쳐주세요", "점심 뭐 먹지", ""]
    assert loaded.shape_ngrams == (1, 3)
    assert np.allclose(loaded.predict_proba(probe)[1], model.predict_proba(probe)[1], atol=1e-6)
    # Without the shape view the features differ: the setting is really used.
    plain = LinearIntentModel(analyzer="mecab").fit(texts, labels)
    assert not np.allclose(plain.predict_proba(probe)[1], model.predict_proba(probe)[1], atol=1e-4)


def test_swap_subjects_copies_complaints_with_another_subject():
    from nlu.linear_intents import swap_subjects

    texts = ["육교 계단 고쳐주세요", "비둘기 너무 많아요", "버스 타고 놀러 갔어", "하늘이 맑다"]
    labels = ["propose", "propose", "out_of_scope", "out_of_scope"]
    words = ["육교", "비둘기", "버스", "싱크홀"]
    out_t, out_l = swap_subjects(texts, labels, words, copies=2)
    assert out_t[:4] == texts and out_l[:4] == labels  # the originals first, unchanged
    extra = list(zip(out_t[4:], out_l[4:]))
    assert len(extra) == 4 and all(label == "propose" for _, label in extra)  # everyday text is never copied
    assert all(t.endswith(" 계단 고쳐주세요") and not t.startswith("육교") for t, _ in extra[:2])
    assert all(t.endswith(" 너무 많아요") and not t.startswith("비둘기") for t, _ in extra[2:])
    assert swap_subjects(texts, labels, words, copies=2) == (out_t, out_l)  # fixed seed
    assert swap_subjects(texts, labels, words, copies=0) == (texts, labels)


@pytest.mark.parametrize("text", ["가로등이 고장났어요 고쳐주세요", "오늘 점심 뭐 먹지 ㅋㅋ"])
def test_component_with_shape_view_reuses_the_tokenizer(tmp_path, text):
    from rasa.shared.nlu.training_data.message import Message

    from nlu.rasa_components import KoreanTokenizer

    cls, config, storage, resource, context = _component(
        tmp_path, {"weight": 1.0, "analyzer": "mecab", "shape_ngrams": [1, 3], "swap_copies": 1,
                   "swap_words": ["가로등", "육교"]})
    cls.create(config, storage, resource, context).train(_training_data())
    loaded = cls.load(config, storage, resource, context)
    tokenizer = KoreanTokenizer({**KoreanTokenizer.get_default_config(), "analyzer": "mecab"})
    tokenized, plain = Message(data={"text": text}), Message(data={"text": text})
    tokenizer.process([tokenized])
    for m in (tokenized, plain):
        m.set("intent_ranking", [{"name": "out_of_scope", "confidence": 1.0}])
    loaded.process([tokenized, plain])
    assert tokenized.get("intent_ranking") == plain.get("intent_ranking")
