"""Hard cases for the trained model, written for this test (in neither nlu/data nor nlu/eval): everyday statements
that mention something public (a bus, a park, a street) are no proposal, a problem stated plainly is one, and an
elliptical follow-up about a program (거기/그곳/그 학교 ... 예산은?) is a program question: the knowledge action
resolves it with the conversation's last topic, so out_of_scope would drop the answer. Thanks, support, bot questions,
goodbye and refusals wrapped in a sentence of context keep their intent; a status question told as the story of the
problem should be check_status (a known limit today: a looser floor below).

A floor per group, not every message: the measured recalls on real held-out text are in docs/nlu.md (make eval-nlu).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MENU = {"out_of_scope", "nlu_fallback"}  # both answer with the help menu and its buttons (bot/domain/_shared.yml)

EVERYDAY = [
    "어제 공원에서 친구랑 배드민턴 쳤어",
    "버스 창가 자리에 앉아서 음악 들었어요",
    "오늘은 지하철 대신 걸어서 왔어",
    "주말에 호숫가 산책로에서 사진 찍었어요",
    "비가 그쳐서 자전거 타러 나가려고",
    "택시 기사님이 친절하셨어",
    "놀이터 옆 카페 케이크 맛있더라",
    "동네 마트에서 장 봤어요",
    "버스 정류장에서 우연히 선생님 만났어",
    "저녁에 강변 따라 조깅했어요",
]
PROBLEMS = [
    "정류장 표지판이 쓰러져 있어요",
    "공원 벤치가 다 부서져서 앉을 데가 없어요",
    "횡단보도 페인트가 다 지워져서 안 보여요",
    "밤마다 골목에서 고성방가 때문에 잠을 못 자요",
    "인도에 불법 적치물이 쌓여서 지나갈 수가 없어요",
    "아파트 앞 버스 정류장이 없어져서 너무 멀리 걸어가요",
    "산책로 가로등이 한 달째 꺼져 있어요",
    "하수구 뚜껑이 열려 있어서 위험해요",
    "학교 앞 도로에 과속 차량이 너무 많아요",
    "쓰레기 수거차가 일주일째 안 왔어요",
]
FOLLOW_UPS = [
    "거기 수업은 몇 시간씩 해요?",
    "그곳 운영비는 누가 대요?",
    "그 학교 교육생은 몇 명이에요?",
    "그 센터 이용료는?",
    "그럼 지원 마감은 언제예요?",
    "그건 누가 주관해요?",
    "거긴 어디에 있는 거예요?",
    "그 사업 올해 예산은 얼마예요?",
    "그럼 거기 입주하려면 뭐 필요해?",
    "거기 나온 사람들은 어디로 취직해요?",
]

# A status question told as the story of the problem: the problem words (가로등, 쓰레기, 고장) pull towards propose;
# the earlier filing and the question about what became of it make it check_status.
STATUS_STORIES = [
    "보름 전에 놀이터 미끄럼틀 깨진 거 신고했는데 아직 그대로던데 어떻게 된 거예요",
    "지난주에 가로등 깜빡인다고 접수했거든요 고치러 온다는 날짜 나왔어요?",
    "석 달째 기다리는 중인데 제가 넣은 쓰레기 무단투기 민원은 누가 맡았나요",
    "작년 겨울에 빙판길 모래함 놔 달라고 건의했는데 그 뒤로 감감무소식이에요",
    "버스 정류장 의자 없다고 제안했던 거 검토 결과 나왔는지 궁금해요",
    "GJ-2026-000844 이 번호로 하수구 악취 신고했었는데 처리 끝났나요",
    "두 달 전 공원 화장실 고장 민원 넣은 사람인데 수리 일정 잡혔는지 알려 주세요",
    "학교 앞 과속 카메라 요청한 거 지금 어느 단계까지 갔어요?",
    "아파트 옆 불법 현수막 치워 달라고 한 게 벌써 한 달인데 진행되고 있는 거 맞죠?",
    "예전에 골목 CCTV 달아 달라고 올린 제안 어떻게 처리됐는지 확인 좀 해 주세요",
]
# Small intents wrapped in a sentence of context, which the everyday corpora pulled towards out_of_scope.
SMALL_IN_CONTEXT = [
    ("thanks", "출근 전에 급하게 물어본 건데 바로 알려줘서 정말 고마워요"),
    ("thanks", "몰라서 답답했는데 이제 속이 후련하네요 감사합니다"),
    ("thanks", "할머니께 알려 드리려고 물어봤는데 친절하게 설명해 주셔서 고맙습니다"),
    ("support_proposal", "그 제안 저도 매일 겪는 일이라 꼭 됐으면 해요 제 공감도 보태 주세요"),
    ("support_proposal", "이미 누가 올린 거면 저는 거기에 찬성만 할게요"),
    ("support_proposal", "우리 애도 그 길로 학교 다녀서 그 제안에 한 표 드려요"),
    ("bot_challenge", "대답이 너무 빠른데 혹시 사람이 아니라 프로그램이에요?"),
    ("bot_challenge", "지금 저랑 얘기하는 게 진짜 공무원이에요 아니면 챗봇이에요?"),
    ("goodbye", "이제 장 보러 가야 해서 여기까지 할게요 다음에 봬요"),
    ("deny", "아니요 그건 올리지 말아 주세요 제가 다시 생각해 볼게요"),
]
# Short answers and greetings / goodbyes in everyday forms (eighth round): one- or two-word refusals and
# confirmations, which the everyday corpora pulled towards out_of_scope, a refusal naming the filing (pulled towards
# propose), a greeting with a self-introduction naming a place (pulled towards propose), a goodbye with a reason.
SHORT_ANSWERS = [
    ("deny", "아녀 그건 빼 주세요"),
    ("deny", "놉 됐어요"),
    ("deny", "괜찮아요 안 올려도 돼요"),
    ("deny", "그 신고는 접수하지 말아 주세요"),
    ("affirm", "넵 그대로 올려 주세요"),
    ("affirm", "응응 맞아"),
    ("greet", "안녕하세요 남구 진월동 사는 주민이에요"),
    ("greet", "반가워요 저는 광산구에서 농사짓는 사람입니다"),
    ("goodbye", "병원 예약 시간 돼서 이만 가 볼게요"),
    ("goodbye", "잘 자요 내일 또 올게요"),
]


def _plain_texts(folder: Path) -> set[str]:
    seen = set()
    for path in folder.glob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("- "):
                seen.add(re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line.strip()[2:]).strip())
    return seen


def test_hard_cases_are_new_text():
    known = _plain_texts(ROOT / "nlu" / "data") | _plain_texts(ROOT / "nlu" / "eval")
    texts = set(EVERYDAY) | set(PROBLEMS) | set(FOLLOW_UPS) | set(STATUS_STORIES)
    texts |= {text for _, text in SMALL_IN_CONTEXT} | {text for _, text in SHORT_ANSWERS}
    assert not texts & known


def _intent(parse, text: str) -> str | None:
    return (parse(text).get("intent") or {}).get("name")


def _misread(parse, labelled: list[tuple[str, str]]) -> dict[str, tuple[str, str | None]]:
    """The (intent, text) pairs the model reads as another intent: {text: (expected, got)}."""
    got = {text: _intent(parse, text) for _, text in labelled}
    return {text: (intent, got[text]) for intent, text in labelled if got[text] != intent}


@pytest.mark.parametrize("group, texts, accepted", [("everyday", EVERYDAY, MENU), ("problems", PROBLEMS, {"propose"}),
                                                     ("follow-ups", FOLLOW_UPS, {"ask_program"})])
def test_hard_cases(parse, group, texts, accepted):
    intents = {text: _intent(parse, text) for text in texts}
    wrong = {t: i for t, i in intents.items() if i not in accepted}
    assert len(wrong) <= 2, (group, wrong)


@pytest.mark.parametrize("group, labelled", [("small intents in a sentence of context", SMALL_IN_CONTEXT),
                                             ("short answers, greetings and goodbyes", SHORT_ANSWERS)])
def test_small_intents_keep_their_intent(parse, group, labelled):
    wrong = _misread(parse, labelled)
    assert len(wrong) <= 2, (group, wrong)


# Known limit (2026-11-22): a model trained on this data gets 6 of these 10 right with mecab, the shipped analyzer
# (4 before the ninth round's check_status linear weight 0.7; kiwi had 6); more such stories in the training data
# lowered the dev macro-F1, so they were left out (docs/nlu.md, seventh to ninth rounds). The floor is today's level,
# looser than the other groups' 2: it catches a regression, and the aim is to bring it down to 2.
def test_status_questions_told_as_a_story(parse):
    wrong = _misread(parse, [("check_status", text) for text in STATUS_STORIES])
    assert len(wrong) <= 4, wrong
