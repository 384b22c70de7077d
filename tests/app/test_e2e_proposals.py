"""Whole proposal conversations through the public door (web chat and Kakao skill) against a running Rasa."""
import json
import time

import pytest

from civic import proposals as P
from civic.db import open_db
from tests.app.fake_kakao import kakao_request
from web import kakao

pytestmark = pytest.mark.e2e

KAKAO_HEADERS = {"X-Skill-Secret": "test-skill-secret", "content-type": "application/json"}
# The public door allows 5 messages a second per citizen; a test types fast, but not faster than that.
PACE_S = 0.25


class Citizen:
    _last = 0.0

    def pace(self):
        wait = PACE_S - (time.monotonic() - self._last)
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()


class WebCitizen(Citizen):
    def __init__(self, client, sender):
        self.client, self.sender = client, sender

    def say(self, message):
        self.pace()
        resp = self.client.post("/api/chat", json={"sender": self.sender, "message": message})
        assert resp.status_code == 200, resp.text
        return resp.json()["messages"]


class KakaoCitizen(Citizen):
    def __init__(self, client, user_id):
        self.client, self.user_id = client, user_id

    def say(self, utterance, payload=None):
        self.pace()
        body = kakao_request("question", user_id=self.user_id, utterance=utterance)
        if payload:
            body["action"]["clientExtra"] = {"payload": payload}
        resp = self.client.post("/kakao/skill", content=json.dumps(body, ensure_ascii=False).encode(),
                                headers=KAKAO_HEADERS)
        assert resp.status_code == 200, resp.text
        return resp.json()


def text(messages):
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages):
    return {b["title"]: b["payload"] for m in messages for b in m.get("buttons", [])}


@pytest.fixture
def store(rasa_stack):
    db = open_db(rasa_stack.db_path)
    yield db
    db.close()


def count(store):
    return P.count_proposals(store) if store["proposals"].exists() else 0


def test_web_proposal_with_correction_consent_and_status(e2e_client, store):
    citizen = WebCitizen(e2e_client, "e2e-prop-1")
    before = count(store)
    reply = citizen.say("/propose")
    assert "어떤 불편이나 개선 아이디어" in text(reply)
    reply = citizen.say("가로등이 고장나서 밤에 골목이 너무 어두워요. 빨리 고쳐 주세요")
    assert "어디에서 생긴 일인가요" in text(reply)
    reply = citizen.say("북구 용봉동 전남대 후문 앞")
    assert "'도로/시설' 분야" in text(reply) and len(buttons(reply)) == 10
    reply = citizen.say("도로/시설")
    assert "개인정보 수집·이용 동의" in text(reply) and "동의하지 않아도 제안은 접수돼요" in text(reply)
    reply = citizen.say(buttons(reply)["동의해요"])
    assert "휴대전화 번호나 이메일" in text(reply)
    reply = citizen.say("010-2345-6789")
    assert "장소: 북구 용봉동 전남대 후문 앞" in text(reply) and "010-****-6789" in text(reply)
    # Correction before confirming: the place is asked again, then the summary comes back.
    reply = citizen.say("장소 수정")
    assert "장소를 다시 여쭤볼게요" in text(reply) and "어디에서 생긴 일인가요" in text(reply)
    reply = citizen.say("북구 용봉동 전남대 정문 앞 사거리")
    assert "장소: 북구 용봉동 전남대 정문 앞 사거리" in text(reply)
    assert count(store) == before  # nothing stored before the confirmation
    reply = citizen.say(buttons(reply)["접수하기"])
    assert "제안이 접수됐어요" in text(reply)
    receipt = P.normalize_receipt(text(reply))
    stored = P.get_by_receipt(store, receipt)
    assert (stored.channel, stored.district, stored.place) == ("web", "북구", "용봉동 전남대 정문 앞 사거리")
    assert P.contact_for(store, stored.id).value == "010-2345-6789"
    # Status: "내 제안" on the same channel and sender, then by receipt number after an official answer.
    reply = citizen.say("/check_status")
    assert receipt in text(reply) and "'접수' 상태" in text(reply)
    P.change_status(store, stored.id, "answered", actor="e2e", answer="가로등을 교체했어요.")
    reply = citizen.say(f"{receipt} 처리 상태 알려줘")
    assert "'답변완료'" in text(reply) and "가로등을 교체했어요" in text(reply)


def test_cancel_in_the_middle_stores_nothing(e2e_client, store):
    citizen = WebCitizen(e2e_client, "e2e-prop-2")
    before = count(store)
    citizen.say("/propose")
    reply = citizen.say("버스 정류장 의자가 부서져서 앉을 수가 없어요")
    assert "어디에서 생긴 일인가요" in text(reply)
    reply = citizen.say("취소")
    assert "제안 작성을 취소했어요" in text(reply)
    assert count(store) == before
    # The form is really over: the next message is an ordinary conversation again.
    assert "어떤 불편이나 개선 아이디어" in text(citizen.say("/propose"))


def test_similar_proposal_supported_from_kakao_instead_of_a_duplicate(e2e_client, store):
    web = WebCitizen(e2e_client, "e2e-prop-3")
    web.say("/propose")
    web.say("아파트 앞 음식물 쓰레기 수거함에서 악취가 너무 심해요")
    web.say("잘 모르겠어요")
    web.say("환경")
    reply = web.say("/deny")  # no contact
    assert "결과 안내: 받지 않음" in text(reply)
    receipt = P.normalize_receipt(text(web.say("/affirm")))
    assert receipt
    before = count(store)

    citizen = KakaoCitizen(e2e_client, "e2e-kakao-prop-1")
    citizen.say("생활 불편 제안하기", payload="/propose")
    citizen.say("우리 아파트 앞 음식물 쓰레기 수거함 악취가 너무 심해요")
    citizen.say("잘 모르겠어요")
    citizen.say("환경")
    answer = citizen.say("동의하지 않아요", payload="/deny")
    cards = [o["listCard"] for o in answer["template"]["outputs"] if "listCard" in o]
    assert cards and receipt in json.dumps(cards[0], ensure_ascii=False)
    labels = {r["label"] for r in answer["template"]["quickReplies"]}
    assert {"이 제안에 공감하기", "새로 제안하기"} <= labels
    answer = citizen.say("이 제안에 공감하기", payload=f'/support_proposal{{"receipt_id":"{receipt}"}}')
    assert "공감을 더했어요" in kakao.outputs_text(answer)
    assert count(store) == before  # supported, not filed again
    assert P.get_by_receipt(store, receipt).support_count == 1
    # Supporting again from outside the form: once per citizen.
    again = citizen.say(f"{receipt} 저도 공감해요", payload=f'/support_proposal{{"receipt_id":"{receipt}"}}')
    assert "이미 공감하셨어요" in kakao.outputs_text(again)


def test_kakao_citizen_files_with_consent_no_and_finds_it_under_my_proposals(e2e_client, store):
    citizen = KakaoCitizen(e2e_client, "e2e-kakao-prop-2")
    citizen.say("생활 불편 제안하기", payload="/propose")
    citizen.say("주민센터 서류 발급 대기 시간이 한 시간이 넘어요")
    citizen.say("광산구 수완동 행정복지센터")
    citizen.say("행정")
    answer = citizen.say("동의하지 않아요", payload="/deny")
    assert "이대로 접수할까요" in kakao.outputs_text(answer)
    answer = citizen.say("접수하기", payload="/affirm")
    receipt = P.normalize_receipt(kakao.outputs_text(answer))
    stored = P.get_by_receipt(store, receipt)
    assert (stored.channel, stored.district, stored.category) == ("kakao", "광산구", "행정")
    assert P.contact_for(store, stored.id) is None
    answer = citizen.say("내 제안 확인", payload="/check_status")
    assert receipt in kakao.outputs_text(answer)
    # The same Kakao user id on the web is a different citizen.
    assert receipt not in text(WebCitizen(e2e_client, "e2e-kakao-prop-2").say("/check_status"))
