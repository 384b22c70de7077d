"""A new proposal joins its nearest topic when stored (through the proposal store), or stays unclustered."""
import numpy as np
import pytest

from civic import proposals
from civic.clustering import recluster
from civic.clustering.assign import assign_topic, topic_centroids
from civic.embeddings.runtime import current_embedder
from tests.app.clustering_support import GROUPS, ONE_OFFS, make_db, store


@pytest.fixture
def clustered(settings):
    db = make_db(settings.db_path)
    store(db, [t for g in GROUPS.values() for t in g] + ONE_OFFS)
    recluster.start(settings, background=False)
    return db


def topic_label(db, topic_id):
    return db["topics"].get(topic_id)["label"] if topic_id else None


def test_new_proposal_is_assigned_when_stored(clustered, settings):
    embedder = current_embedder(settings)
    size_before = clustered.execute("SELECT size FROM topics WHERE label LIKE '%가로등%'").fetchone()[0]
    result = proposals.create_proposal(clustered, proposals.ProposalDraft("골목 가로등이 또 고장 나서 밤에 어두워요"),
                                       sender_id="web:abc", embedder=embedder)
    assert "가로등" in topic_label(clustered, result.proposal.topic_id)
    assert clustered.execute("SELECT size FROM topics WHERE id = ?",
                             [result.proposal.topic_id]).fetchone()[0] == size_before + 1


def test_unrelated_proposal_stays_unclustered(clustered, settings):
    result = proposals.create_proposal(clustered, proposals.ProposalDraft("시립 미술관에 외국어 안내문을 붙여 주세요"),
                                       sender_id="web:abc", embedder=current_embedder(settings))
    assert result.proposal.topic_id is None


def test_vector_of_another_version_is_re_embedded(clustered, settings):
    [pid] = store(clustered, ["불법 주차 차량 때문에 골목을 못 지나가요 단속해 주세요"])
    clustered.execute("UPDATE proposals SET embedding = ?, embedding_version = 'old-space' WHERE id = ?",
                      [np.ones(8, dtype=np.float32).tobytes(), pid])
    topic = assign_topic(clustered, pid, embedder=current_embedder(settings))
    assert "주차" in topic_label(clustered, topic)
    version = clustered.execute("SELECT embedding_version FROM proposals WHERE id = ?", [pid]).fetchone()[0]
    assert version == current_embedder(settings).version


def test_no_topics_yet_means_unclustered(settings):
    db = make_db(settings.db_path)
    [pid] = store(db, ["버스가 너무 늦게 와요"])
    assert topic_centroids(db) is None
    assert assign_topic(db, pid) is None
    with pytest.raises(LookupError):
        assign_topic(db, 999)


def test_centroid_cache_follows_a_recluster(clustered, settings):
    first = topic_centroids(clustered)
    assert topic_centroids(clustered) is first  # cached while the topics do not change
    store(clustered, ["쓰레기 수거 차량이 안 와서 쓰레기가 쌓였어요"])
    recluster.start(settings, background=False)
    assert topic_centroids(clustered) is not first
