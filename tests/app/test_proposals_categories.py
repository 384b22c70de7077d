"""Category suggestion rules on hand-written living-problem proposals (one per category, plus ambiguity)."""
import pytest

from civic.categories import CATEGORIES, parse_category, suggest


@pytest.mark.parametrize(("text", "category"), [
    ("104번 버스 배차 간격이 40분이라 출근할 때 너무 힘들어요", "교통"),
    ("학교 앞 골목에 불법주차가 많아서 아이들이 차도로 걸어요", "교통"),
    ("공원 산책로에 CCTV가 없어서 밤에 무서워요", "안전"),
    ("아파트 단지 앞 음식물 쓰레기 수거함에서 악취가 심해요", "환경"),
    ("보도블록이 깨져서 휠체어가 지나갈 수 없어요", "도로/시설"),
    ("혼자 사시는 어르신 돌봄 서비스를 늘려 주세요", "복지"),
    ("초등학생 대상 코딩 방과후 수업을 만들어 주세요", "교육"),
    ("청년 창업 지원금 신청 기간이 너무 짧아요", "경제/일자리"),
    ("주말에 아이들과 갈 만한 공연이나 전시가 부족해요", "문화"),
    ("주민센터 서류 발급 대기시간이 너무 길어요", "행정"),
    ("그냥 전반적으로 좋아졌으면 해요", "기타"),
])
def test_suggestion(text, category):
    assert suggest(text).category == category


def test_ranked_puts_the_suggestion_first_and_keeps_all_categories():
    ranked = suggest("버스 정류장 보도블록이 깨졌어요").ranked()
    assert sorted(ranked) == sorted(CATEGORIES) and len(ranked) == 10
    assert set(ranked[:2]) == {"교통", "도로/시설"}


def test_one_letter_keywords_do_not_fire_inside_words():
    assert suggest("차별 없는 세상").category == "기타"


@pytest.mark.parametrize(("answer", "category"), [
    ("교통", "교통"), ("도로/시설이요", "도로/시설"), ("도로 시설", "도로/시설"), ("경제 쪽이요", "경제/일자리"),
    ("기타", "기타"), ("잘 모르겠어요", "기타"), ("음", None),
])
def test_parse_category(answer, category):
    assert parse_category(answer) == category
