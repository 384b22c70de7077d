"""Small realistic proposals for the embedding and clustering tests: five shared problems and a few one-offs.

Written for these tests (no real citizen data). Each group uses different wording for the same problem, as
citizens do, so a test passes only if the embedder captures more than identical strings.
"""
from __future__ import annotations

from civic.db import migrate, open_db

GROUPS: dict[str, list[str]] = {
    "streetlight": [
        "우리 집 앞 골목 가로등이 고장 나서 밤에 너무 어두워요",
        "골목길 가로등이 꺼져 있어서 밤에 다니기 무서워요",
        "가로등 불이 안 들어와서 퇴근길 골목이 깜깜해요",
        "아파트 뒤 골목에 가로등이 없어 밤길이 어두워요",
        "가로등이 깜빡거리다 꺼졌어요 골목이 너무 어두워요",
        "밤에 골목이 어두워서 가로등을 더 설치해 주세요",
        "학교 가는 골목에 가로등이 부족해서 어두워요",
        "공원 옆 골목 가로등 고장으로 밤마다 어두워요",
    ],
    "parking": [
        "이면도로 불법 주차 때문에 차가 지나가기 힘들어요",
        "아파트 앞 불법 주차 차량 단속해 주세요",
        "골목마다 불법 주정차가 심해서 소방차가 못 들어와요",
        "횡단보도 앞 불법 주차 때문에 아이들이 위험해요",
        "상가 앞 도로에 불법 주차가 너무 많아요 단속해 주세요",
        "불법 주차 차량 때문에 버스가 지나가지 못해요",
        "주차 단속을 안 해서 인도까지 불법 주차 차량이 올라와요",
        "학교 앞 불법 주정차 단속 카메라를 설치해 주세요",
    ],
    "bus": [
        "버스 배차 간격이 너무 길어서 출근할 때 지각해요",
        "마을버스가 너무 늦게 와요 배차 간격을 줄여 주세요",
        "우리 동네까지 버스 노선을 연장해 주세요",
        "출퇴근 시간에 버스가 꽉 차서 탈 수가 없어요 버스를 늘려 주세요",
        "밤에 버스 배차 간격이 한 시간이라 너무 불편해요",
        "시내버스 노선이 바뀌어서 버스 타기가 불편해졌어요",
        "버스 정류장에 도착 안내판이 없어서 버스 시간을 몰라요",
        "버스가 정류장을 그냥 지나가요 배차도 너무 길어요",
    ],
    "garbage": [
        "골목에 쓰레기 무단 투기가 심해서 악취가 나요",
        "음식물 쓰레기 수거함이 넘쳐서 냄새가 너무 심해요",
        "공터에 쓰레기를 몰래 버려서 쓰레기 더미가 생겼어요",
        "쓰레기 수거가 늦어서 길가에 쓰레기 봉투가 쌓여 있어요",
        "분리수거가 안 된 쓰레기가 쌓여서 악취가 나요",
        "재활용 쓰레기를 아무 데나 버려서 골목이 지저분해요",
        "쓰레기 무단 투기 단속 카메라를 설치해 주세요",
        "여름이라 음식물 쓰레기 악취가 심해요 수거를 자주 해 주세요",
    ],
    "noise": [
        "공사장 소음 때문에 새벽부터 잠을 못 자요",
        "아침 일찍부터 공사 소음이 너무 심해요 공사 시간을 지켜 주세요",
        "주말에도 공사장 소음이 계속돼서 너무 시끄러워요",
        "공사 현장 소음과 먼지 때문에 창문을 못 열어요",
        "재개발 공사 소음이 너무 심해서 아이가 잠을 못 자요",
        "밤늦게까지 공사 소음이 나요 소음 단속해 주세요",
        "공사장 중장비 소음 때문에 수업에 집중할 수가 없어요",
        "공사 소음 측정을 해서 기준을 넘으면 단속해 주세요",
    ],
}
ONE_OFFS = [
    "인공지능 교육 프로그램에 어르신도 참여할 수 있게 해 주세요",
    "도서관 열람실 운영 시간을 밤 열한 시까지 늘려 주세요",
    "반려견 놀이터를 만들어 주세요",
]


def labelled_texts() -> tuple[list[str], list[str]]:
    texts, groups = [], []
    for group, sentences in GROUPS.items():
        texts += sentences
        groups += [group] * len(sentences)
    return texts + ONE_OFFS, groups + ["one-off"] * len(ONE_OFFS)


def make_db(path=":memory:"):
    db = open_db(path)
    migrate(db)
    return db


def store(db, texts, districts=None, created_at="2026-03-02T01:00:00.000000+00:00") -> list[int]:
    """Insert proposals directly (the proposal store's own tests cover create_proposal); returns their ids."""
    ids = []
    for i, text in enumerate(texts):
        n = db["proposals"].count + 1
        # Year 2000 receipts: never collide with the store's own counter for the current year.
        db["proposals"].insert({
            "receipt": f"GJ-2000-{n:06d}", "text": text, "masked_text": text,
            "text_hash": f"test-{n}", "district": (districts or [None] * len(texts))[i],
            "channel": "web", "source": "chat", "status": "received", "support_count": 0,
            "created_at": created_at, "updated_at": created_at,
        })
        ids.append(db.execute("SELECT last_insert_rowid()").fetchone()[0])
    db.conn.commit()
    return ids
