"""Category suggestion for a proposal from its text: transparent keyword rules over the words of the text.

Why rules and not a trained model: there is no labelled set of Gwangju living-problem proposals to train on, the
citizen confirms or changes the suggestion anyway (a button per category), and officials can read and extend the
list below. Measured on public petition titles with their own categories mapped onto ours: `python -m
bench.eval_categories` (figures in docs/benchmarks-categories.md).

Matching: keywords of two or more characters match inside the text (Korean compounds such as 불법주차 or 보도블록
need no analyzer); one-character keywords only match a whole morpheme, so 차 does not fire on 차별 or 주차.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES: tuple[str, ...] = ("교통", "안전", "환경", "도로/시설", "복지", "교육", "경제/일자리", "문화", "행정", "기타")
DEFAULT = "기타"

# keyword -> weight (2 = decisive, 1 = hint). Keep each list short and concrete.
KEYWORDS: dict[str, dict[str, int]] = {
    "교통": {
        "버스": 2, "정류장": 2, "정류소": 2, "배차": 2, "노선": 2, "지하철": 2, "도시철도": 2, "택시": 2, "신호등": 2,
        "신호": 1, "횡단보도": 2, "주차": 2, "주정차": 2, "교통": 2, "운전": 1, "차량": 1, "자전거": 1, "킥보드": 2,
        "과속": 1, "정체": 2, "막혀": 1, "환승": 2, "교차로": 2, "좌회전": 2, "우회전": 2, "유턴": 2, "견인": 2,
        "통행": 1, "대중교통": 2, "교통카드": 2, "차선": 2, "차로": 1, "운행": 1, "도착": 1, "승차": 2, "기사": 1,
        "철도": 1, "KTX": 2, "공항": 1, "통학": 1, "자동차": 1, "면허": 2, "고속도로": 2,
    },
    "안전": {
        "안전": 2, "위험": 2, "사고": 2, "범죄": 2, "치안": 2, "CCTV": 2, "씨씨티비": 2, "방범": 2, "순찰": 2,
        "경찰": 2, "소방": 2, "화재": 2, "소화전": 2, "대피": 2, "재난": 2, "침수": 2, "붕괴": 2, "추락": 2,
        "보안등": 2, "어두워": 1, "어둡": 1, "스쿨존": 2, "어린이보호구역": 2, "폭력": 2, "성범죄": 2, "미끄러": 1,
        "빙판": 2, "결빙": 2, "낙하": 2, "맨홀": 1, "누전": 2, "가스": 1, "다칠": 2, "다쳤": 2, "위협": 2,
        "음주": 1, "마약": 2, "무서워": 1, "무섭": 1, "안심": 1, "지진": 2, "태풍": 1, "폭우": 1, "스토킹": 2,
        "범죄자": 2, "성폭력": 2, "학대": 1, "흉기": 2, "안전사고": 2,
    },
    "환경": {
        "쓰레기": 2, "분리수거": 2, "재활용": 2, "소음": 2, "층간소음": 2, "악취": 2, "냄새": 2, "미세먼지": 2,
        "매연": 2, "대기": 1, "오염": 2, "수질": 2, "하천": 1, "녹지": 2, "가로수": 2, "나무": 1, "숲": 1,
        "공해": 2, "매립": 2, "소각": 2, "음식물": 2, "무단투기": 2, "투기": 1, "담배꽁초": 2, "흡연": 2, "담배": 1,
        "비둘기": 2, "모기": 2, "해충": 2, "벌레": 2, "방역": 1, "기후": 2, "탄소": 2, "태양광": 1, "플라스틱": 2,
        "일회용": 2, "동물": 1, "유기견": 2, "길고양이": 2, "반려": 1, "환경": 2, "에너지": 1, "배출": 1,
        "강아지": 2, "고양이": 2, "애견": 2, "개고기": 2, "먼지": 2, "공기": 1, "원전": 2, "방사능": 2,
    },
    "도로/시설": {
        "도로": 2, "보도": 2, "인도": 1, "보도블록": 2, "포장": 1, "포트홀": 2, "파손": 2, "깨진": 2, "깨져": 2,
        "균열": 2, "공사": 1, "가로등": 2, "육교": 2, "지하도": 2, "계단": 1, "엘리베이터": 2, "승강기": 2,
        "경사로": 2, "화장실": 2, "벤치": 2, "놀이터": 2, "시설": 1, "하수구": 2, "배수": 2, "하수": 1, "누수": 2,
        "수도": 1, "방지턱": 2, "난간": 2, "울타리": 2, "펜스": 2, "표지판": 2, "안내판": 2, "공원": 1, "정비": 1,
        "고장": 1, "보수": 1, "움푹": 2, "물웅덩이": 2, "턱": 1, "건축": 1, "아파트": 1, "건물": 1, "쉼터": 1,
    },
    "복지": {
        "복지": 2, "노인": 2, "어르신": 2, "경로당": 2, "장애인": 2, "장애": 1, "휠체어": 1, "기초생활": 2,
        "수급": 2, "저소득": 2, "취약계층": 2, "독거": 2, "돌봄": 2, "요양": 2, "의료": 2, "병원": 2, "보건소": 2,
        "건강": 1, "임산부": 2, "출산": 2, "육아": 2, "어린이집": 2, "보육": 2, "아동": 1, "한부모": 2,
        "다문화": 2, "급식비": 1, "지원금": 1, "수당": 2, "연금": 2, "바우처": 2, "주거": 1, "임대주택": 2,
        "노숙": 2, "치매": 2, "간병": 2, "백신": 1, "감염": 1, "코로나": 1, "저출산": 2, "고령": 2,
        "환자": 2, "치료": 2, "의사": 2, "간호사": 2, "수술": 2, "건강보험": 2, "다자녀": 2, "난임": 2, "임신": 2,
        "양육비": 2, "마스크": 1, "자녀": 1, "약국": 2,
    },
    "교육": {
        "학교": 2, "학생": 2, "교육": 2, "학원": 2, "초등학교": 2, "중학교": 2, "고등학교": 2, "대학": 1,
        "교사": 2, "선생님": 2, "급식": 1, "방과후": 2, "도서관": 1, "강좌": 2, "강의": 1, "코딩": 2, "수업": 2,
        "학부모": 2, "입시": 2, "유치원": 2, "평생교육": 2, "사관학교": 2, "교과서": 2, "시험": 1, "수능": 2,
        "등교": 2, "학습": 2, "교실": 2, "교육청": 2, "장학금": 2, "개학": 2, "교복": 2, "청소년": 1, "대학교": 2,
        "학자금": 2, "돌봄교실": 2,
    },
    "경제/일자리": {
        "일자리": 2, "취업": 2, "채용": 2, "구직": 2, "실업": 2, "고용": 2, "창업": 2, "스타트업": 2,
        "소상공인": 2, "자영업": 2, "상인": 2, "전통시장": 2, "시장": 1, "상권": 2, "상가": 1, "임대료": 2,
        "경제": 2, "기업": 1, "투자": 1, "지역화폐": 2, "상품권": 2, "물가": 2, "인턴": 2, "최저임금": 2,
        "임금": 2, "노동": 2, "공공근로": 2, "월급": 2, "알바": 2, "아르바이트": 2, "폐업": 2, "매출": 2,
        "대출": 1, "산업": 1, "공장": 1, "비정규직": 2, "정규직": 2, "근로": 2,
        "시급": 2, "근무": 2, "청년": 1, "금융": 2, "주식": 2, "공매도": 2, "주주": 2, "세입자": 1, "부동산": 1,
    },
    "문화": {
        "문화": 2, "축제": 2, "공연": 2, "전시": 2, "예술": 2, "박물관": 2, "미술관": 2, "영화": 2, "체육": 2,
        "운동": 1, "스포츠": 2, "체육관": 2, "수영장": 2, "관광": 2, "여행": 1, "행사": 1, "콘서트": 2,
        "비엔날레": 2, "동호회": 2, "생활체육": 2, "음악": 2, "책": 1, "언론": 1, "방송": 1, "게임": 1,
        "야구": 2, "축구": 2, "문화센터": 2, "공연장": 2, "유튜브": 2, "선수": 2, "연예인": 2, "뉴스": 1,
    },
    "행정": {
        "행정": 2, "민원": 1, "서류": 2, "발급": 2, "증명서": 2, "주민센터": 2, "행정복지센터": 2, "동사무소": 2,
        "구청": 2, "시청": 2, "공무원": 2, "홈페이지": 2, "앱": 1, "온라인": 1, "신청": 1, "절차": 2, "세금": 2,
        "과태료": 2, "예산": 2, "조례": 2, "공문": 2, "허가": 2, "인허가": 2, "불친절": 2, "응대": 2,
        "대기시간": 1, "번호표": 2, "세무": 2, "주민등록": 2, "등본": 2, "전입": 2, "공공기관": 2, "위원회": 1,
        "정책": 1, "청원": 1, "제도": 1, "법안": 1, "지방세": 2, "행정처리": 2,
        "유공자": 2, "연말정산": 2, "정보공개": 2, "공직자": 2, "감사": 1,
    },
}


@dataclass(frozen=True)
class Suggestion:
    category: str
    scores: dict[str, int]

    @property
    def confident(self) -> bool:
        return self.category != DEFAULT

    def ranked(self) -> list[str]:
        """All categories, the suggestion first, then by score, then in the usual order (for buttons)."""
        order = {c: i for i, c in enumerate(CATEGORIES)}
        rest = sorted((c for c in CATEGORIES if c != self.category),
                      key=lambda c: (-self.scores.get(c, 0), order[c]))
        return [self.category, *rest]


def _morphemes(text: str) -> set[str]:
    try:
        from nlu.korean import get_analyzer

        return {m.surface for m in get_analyzer().analyze(text)}
    except Exception:  # noqa: BLE001
        # an analyzer problem must never block a proposal; substring rules still work
        return set(re.findall(r"\w+", text))


def suggest(text: str | None) -> Suggestion:
    text = text or ""
    lowered = text.lower()
    morphemes: set[str] | None = None
    scores: dict[str, int] = {}
    for category, words in KEYWORDS.items():
        score = 0
        for word, weight in words.items():
            if len(word) >= 2:
                hit = word.lower() in lowered
            else:
                morphemes = morphemes if morphemes is not None else _morphemes(text)
                hit = word in morphemes
            if hit:
                score += weight
        if score:
            scores[category] = score
    if not scores:
        return Suggestion(DEFAULT, {})
    order = {c: i for i, c in enumerate(CATEGORIES)}
    best = max(scores, key=lambda c: (scores[c], -order[c]))
    return Suggestion(best, scores)


_ALIASES = {
    "도로": "도로/시설", "시설": "도로/시설", "도로시설": "도로/시설", "경제": "경제/일자리", "일자리": "경제/일자리",
    "취업": "경제/일자리", "교통": "교통", "안전": "안전", "환경": "환경", "복지": "복지", "교육": "교육",
    "문화": "문화", "체육": "문화", "행정": "행정", "기타": "기타", "모름": "기타", "잘모르겠어요": "기타",
}


def parse_category(text: str | None) -> str | None:
    """A category named by the citizen ("교통", "도로/시설이요", "경제 쪽이요"), else None."""
    compact = re.sub(r"[\s.!~]+", "", text or "")
    for category in CATEGORIES:
        if compact.startswith((category, category.replace("/", ""))):
            return category
    for alias, category in _ALIASES.items():
        if compact.startswith(alias):
            return category
    return None
