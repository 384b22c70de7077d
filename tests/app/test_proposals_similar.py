"""Similar-proposal lookup: the in-memory index, and the whole path with the real offline Korean embedder."""
import numpy as np
import pytest

from civic import proposals as P
from civic.db import migrate, open_db
from civic.embeddings.offline import OfflineKoreanEmbedder
from civic.embeddings.runtime import seed_texts
from civic.similar import SimilarIndex, find_similar, index_for

STORED = [
    "용봉동 전남대 후문 앞 가로등이 고장 나서 밤에 너무 어두워요",
    "버스 정류장에 비가림막이 없어서 비 오는 날 기다리기 힘들어요",
    "아파트 앞 음식물 쓰레기 수거함 악취가 심해요",
    "초등학교 앞 횡단보도 신호 시간이 너무 짧아요",
]


def unit(rng, n, dim=128):
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_index_returns_best_first_above_threshold_and_respects_exclusions():
    rng = np.random.default_rng(0)
    vectors = unit(rng, 500)
    index = SimilarIndex("v1")
    index.add(range(1, 501), vectors)
    query = vectors[41] + 0.05 * unit(rng, 1)[0]
    matches = index.search(query / np.linalg.norm(query), k=3, threshold=0.5)
    assert [m.proposal_id for m in matches] == [42]
    assert matches[0].score > 0.95
    assert index.search(vectors[41], k=3, threshold=0.5, exclude=[42]) == []
    assert index.search(np.ones(7), k=3) == []  # another dimension: never compared


def test_index_grows_and_accepts_out_of_order_ids():
    rng = np.random.default_rng(1)
    index = SimilarIndex("v1")
    index.add([5, 6], unit(rng, 2))
    late = unit(rng, 1)
    index.add([3], late)
    assert len(index) == 3 and index.max_id == 6
    assert index.search(late[0], k=1, threshold=0.99)[0].proposal_id == 3


@pytest.fixture(scope="module")
def embedder():
    return OfflineKoreanEmbedder(dim=64).fit(seed_texts() + STORED)


@pytest.fixture
def db(embedder):
    database = open_db(":memory:")
    migrate(database)
    for i, text in enumerate(STORED):
        P.create_proposal(database, P.ProposalDraft(text), sender_id=f"web:s{i}", embedder=embedder,
                          assign_topic=False)
    return database


def test_finds_the_same_problem_in_other_words(db, embedder):
    found = find_similar(db, embedder, "전남대 후문 가로등이 꺼져 있어서 밤길이 어두워요")
    assert found and found[0].proposal.receipt.endswith("000001")
    assert found[0].score >= 0.70


def test_unrelated_problem_finds_nothing(db, embedder):
    assert find_similar(db, embedder, "주말에 아이들과 갈 만한 공연이나 전시가 부족해요") == []


def test_rejected_proposals_are_not_offered_and_new_rows_are_seen(db, embedder):
    P.change_status(db, 1, "rejected", actor="kim", answer="중복 접수예요.")
    assert all(s.proposal.id != 1 for s in find_similar(db, embedder, STORED[0]))
    added = P.create_proposal(db, P.ProposalDraft("시청 앞 자전거 보관대가 부족해요"), sender_id="web:n",
                              embedder=embedder, assign_topic=False).proposal
    assert find_similar(db, embedder, "시청 앞 자전거 보관대가 부족해요")[0].proposal.id == added.id
    assert len(index_for(db, embedder.version)) == len(STORED) + 1
