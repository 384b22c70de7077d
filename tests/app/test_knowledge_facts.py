"""Fact kinds and framing words as data (knowledge/facts.yml): validated at load, used by the search, reloaded."""
import os
import shutil
import time
from pathlib import Path

import pytest

from knowledge.facts import FACTS_PATH, FactKinds, FactsError
from knowledge.normalize import LexiconError
from knowledge.search import KnowledgeBase, asked_facts, entry_facts

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ROOT / "knowledge" / "entries.yml"
SHIPPED = FACTS_PATH.read_text(encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))  # a new stamp even within the file system's time resolution


@pytest.mark.parametrize("question, kind", [
    ("수강료는 얼마예요?", "money"),
    ("협약 기간은 몇 년 동안이에요?", "duration"),
    ("센터 운영 시간 알려줘", "hours"),
    ("취업률이 몇 퍼센트야?", "rate"),
    ("어느 구에 있어요?", "district"),
    ("부산 AI 예산", "place:부산"),
    # engineer K18: outcomes since, joining later, exclusives, motives, breakdowns and speeches
    ("2단계 사업비 다 집행했어요?", "so_far"),  # whether a budget was spent
    ("1단계 돈 다 썼대요?", "so_far"),
    ("그 용역 결과 발표 났대요?", "so_far"),  # whether a result is out
    ("2단계 예타 떨어졌대요?", "so_far"),  # an appraisal passed or failed since (lead, after batch 27)
    ("예비타당성조사 심사 붙었나요?", "so_far"),
    ("데이터센터 운영 업체는 어디로 정해졌나요?", "so_far"),  # a decision since the articles
    ("기업들 요청대로 시가 교류 행사 열어 주기로 했어요?", "so_far"),  # a promise after a request
    ("사관학교 졸업생 가운데 창업한 사람 있어요?", "so_far"),  # an outcome of the graduates
    ("저희 대학병원도 그 협약에 새로 참여하려면 어떻게 하나요?", "apply"),  # how to join later
    ("창업캠프에 나중에 합류하려면 어떻게 해요?", "apply"),
    ("여성 창업자에게만 주는 지원금 있어요?", "exclusive"),  # support reserved for one group
    ("청년 전용 창업 공간도 있어요?", "exclusive"),
    ("멋쟁이사자처럼은 왜 광주로 옮겼어요?", "motive"),  # why a firm moved
    ("선포식 참석자 700명 중에 학생은 몇 명이었어요?", "breakdown"),  # a split of a reported total
    ("장관 축사 전문 어디서 볼 수 있어요?", "speech_text"),  # the text of a speech
    ("집적단지에 주차 가능해요?", "amenity"),
])
def test_the_shipped_file_drives_what_a_question_asks_for(question, kind):
    assert kind in asked_facts(question)


def test_which_class_an_academy_has_reached_is_not_an_outcome_since():
    # "지금 몇 기까지": how far the academy had got, which the articles tell (like "지금 어디까지"); a later tally is not.
    assert "so_far" not in asked_facts("AI 사관학교는 지금 몇 기까지 했어요?")
    assert "so_far" not in asked_facts("사관학교 지금 4기 수료생도 있나요?")
    assert "so_far" in asked_facts("사관학교 수료생은 지금 몇 명이에요?")


def test_attracting_investment_is_a_service_not_an_amount():
    assert "money" not in asked_facts("투자 유치 지원해요?")
    assert "money" in asked_facts("투자 규모가 얼마예요?")



# Engineer K18: kinds behind unanswerable questions answered with confidence (batches 22-26); none of these questions
# is in knowledge/eval/questions.yml.
def test_look_alikes_of_the_new_kinds_are_not_asked():
    # What an academy's graduates did is the entry's (취업); an agreement reported is not a later promise.
    assert "so_far" not in asked_facts("사관학교 수료생 중에 서울로 취업한 사람도 있어요?")
    assert "so_far" not in asked_facts("LG전자도 데이터 주기로 했어요?")
    # A part of a total asked for by itself is not a programme reserved for a group.
    assert "exclusive" not in asked_facts("1단계 연구개발비만 따로 얼마였어요?")
    # Parking named as the residents' own problem is not a parking space asked for.
    assert "amenity" not in asked_facts("주차 문제 같은 생활 불편을 AI로 푸는 과제도 있어요?")
    # A hearsay check before the real question frames it ("...라며? ..."); alone, it is the question.
    assert "so_far" not in asked_facts("요즘 AI 사관학교가 인기라며? 어떤 곳인지 알려줘")
    assert "so_far" in asked_facts("요즘 사관학교 수료생 늘었다며?")


def test_a_breakdown_is_held_only_by_a_list_of_names():
    from knowledge.base import load_entries
    from knowledge.search import entry_facts

    data = load_entries(ENTRIES)
    holding = {e.id for e in data.entries if "breakdown" in entry_facts(e)}
    assert holding == {e.id for e in data.entries if "roster" in entry_facts(e)} == {"data_mou"}

def test_a_broken_pattern_is_refused_with_its_key(tmp_path):
    path = tmp_path / "facts.yml"
    path.write_text(SHIPPED.replace("harm: '뺏|", "harm: '(뺏|", 1), encoding="utf-8")
    with pytest.raises(FactsError, match="asks' 'harm'.*정규식 오류") as caught:
        FactKinds.load(path)
    assert isinstance(caught.value, LexiconError)  # handled like a broken lexicon by the search


@pytest.mark.parametrize("edit, message", [
    (("'on', at", "on, at"), "stop_terms' 'english'"),  # YAML reads a bare on as true: refused, not lost
    (("  area: '㎡|제곱미터'", "  area: []"), "holds' 'area'"),
    (("regions: [", "regions_: ["), "'regions'"),
    (("region_exists: '있", "region_exists: '[있"), "'region_exists'"),
])
def test_a_malformed_section_is_refused_with_its_key(tmp_path, edit, message):
    assert edit[0] in SHIPPED
    path = tmp_path / "facts.yml"
    path.write_text(SHIPPED.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(FactsError, match=message):
        FactKinds.load(path)


def test_a_duplicate_key_is_refused(tmp_path):
    path = tmp_path / "facts.yml"
    path.write_text(SHIPPED.replace("  district: '(?:어느", "  rate: 'x'\n  district: '(?:어느", 1), encoding="utf-8")
    with pytest.raises(FactsError, match="두 번"):
        FactKinds.load(path)


def test_edits_are_picked_up_without_a_restart_and_a_broken_one_is_ignored(tmp_path):
    entries, facts = tmp_path / "entries.yml", tmp_path / "facts.yml"
    shutil.copy(ENTRIES, entries)
    _write(facts, SHIPPED)
    kb = KnowledgeBase(entries, facts_path=facts)
    question = "데센 언제 열어요?"
    before = kb.search(question)
    assert before.top.id == "data_center" and "opening" not in before.missing
    # A new kind of fact no entry holds: the same question is now refused for it.
    _write(facts, SHIPPED.replace("\nholds:\n", "\n  opening: '열어요'\n\nholds:\n", 1))
    after = kb.search(question)
    assert "opening" in after.missing and after.band == "unknown"
    _write(facts, SHIPPED.replace("harm: '뺏|", "harm: '(뺏|", 1))
    assert "opening" in kb.search(question).missing  # previous version kept


def test_a_broken_file_at_first_load_is_an_error(tmp_path):
    facts = tmp_path / "facts.yml"
    _write(facts, "asks: [broken")
    with pytest.raises(FactsError):
        KnowledgeBase(ENTRIES, facts_path=facts).search("데센 언제 열어요?")


# Engineer K20: misreads that refused answerable questions, and a later intake; none of these questions is in
# knowledge/eval/questions.yml.
def test_an_intake_figure_is_not_an_application_but_a_later_intake_is_asked():
    assert "apply" not in asked_facts("사관학교는 해마다 몇 명 모집하나요?")
    assert "apply" not in asked_facts("GIST AI 대학원 입학 정원 알려 줘")
    assert "apply" in asked_facts("대학원 입학 원서 어디서 내요?")
    assert "next_term" in asked_facts("대학원 내년 입학 정원은 몇 명이에요?")
    assert "next_term" in asked_facts("사관학교 다음 기수는 몇 명 뽑아요?")
    # "when" the asker moves is the asker's framing, not what is asked
    assert "next_term" not in asked_facts("내년에 광주로 이사 가요. 사관학교가 어떤 곳인지 알려 주세요.")


def test_the_real_figure_and_a_check_of_this_year_are_not_outcomes_since():
    # phase 1's total differs between articles: "the real figure" asks which one, which the entry gives
    assert "so_far" not in asked_facts("데이터센터 사업비가 실제로 얼마예요?")
    assert "so_far" not in asked_facts("2단계 기획 용역 끝나는 게 올해야?")
    assert "so_far" in asked_facts("실제로 얼마나 쓰였어요?")
    assert "so_far" in asked_facts("올해 사관학교 수료생은 몇 명이에요?")


def test_the_asker_s_own_work_on_privacy_only_frames_the_question():
    asker = "병원 정보보호 담당자로 일하고 있습니다. 데이터 협약에 어떤 병원들이 들어갔는지 알고 싶습니다."
    assert "privacy" not in asked_facts(asker)
    assert "privacy" in asked_facts("협약 기관끼리 환자 정보는 어떻게 지켜요?")


# Engineer K22: none of these questions is in knowledge/eval/questions.yml.
def test_a_rank_an_event_s_running_order_and_a_fallback_are_kinds_no_entry_holds():
    assert "rank" in asked_facts("광주 데이터센터는 국내에서 몇 위예요?")
    assert "rank" not in asked_facts("세계 10위권 데이터센터라는 게 뭐예요?")  # the figure quoted back
    assert "programme" in asked_facts("선포식 식순 좀 알려 줘")
    assert "programme" not in asked_facts("선포식은 어떤 순서로 진행됐나요?")
    assert "contingency" in asked_facts("예타에서 탈락하면 2단계 사업은 어떻게 돼요?")



# Engineer K23: none of these questions is in knowledge/eval/questions.yml.
@pytest.mark.parametrize("question, kind", [
    ("자율주행 트럭도 진곡산단에서 달려요?", "vehicle"),  # testbed names 무인 저속 특장차 only
    ("1단계랑 2단계 예산 더하면 총 얼마예요?", "phases_total"),
    ("데이터센터는 클러스터 과제 중 몇 번째예요?", "ordinal"),
    ("집적단지 결국 완공됐어요?", "so_far"),
    ("Did the testbed actually open last year?", "so_far"),
    ("사관학교 코테 어려워요?", "selection"),
    ("협약 기관 이름 전부 알려 주세요", "roster"),
    ("데이터센터 장비 종류 알려줘", "spec"),
    ("포럼 기조강연 내용 좀 요약해 줄래요?", "speech_text"),
    ("멋쟁이사자처럼 외에 다른 회사도 사관학교에 참여하나요?", "another"),
    ("개발제한구역 풀린 땅 넓이가 몇 평이에요?", "release_area"),  # ai_complex gives the site's area only
])
def test_outcomes_in_the_end_other_partners_vehicles_and_positions_are_asked(question, kind):
    assert kind in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("무인 특장차 실증 특구는 어디예요?", "vehicle"),
    ("1단계랑 2단계 기간은 어떻게 나뉘어요?", "phases_total"),
    ("결국 뭘 하겠다는 사업이에요?", "so_far"),  # the plan itself
    ("When will the testbed actually open?", "so_far"),  # the planned date
    ("포럼 기조강연 주제가 뭐예요?", "speech_text"),  # the title ai_forum gives
    ("사관학교 말고 다른 인재 양성 과제도 있어요?", "another"),  # other items of talent_ladder's list
    ("집적단지 부지 넓이가 몇 평이에요?", "release_area"),  # the site's area, which ai_complex gives
    # the asker's own vehicle in an opening clause, then where to test it (batch 30's misread)
    ("우리 회사가 무인 배달 카트를 만드는데 규제가 많아서요. 광주에 시험해 볼 특구가 어디 있어요?", "vehicle"),
])
def test_a_plan_a_talk_s_title_and_other_items_of_a_list_are_not_those_kinds(question, kind):
    assert kind not in asked_facts(question)


def test_only_an_entry_numbering_its_items_holds_a_position():
    kb = KnowledgeBase(ENTRIES)
    assert "ordinal" in entry_facts(kb.entry("gist_grad"))  # 첫 번째 과제
    assert "ordinal" in entry_facts(kb.entry("strategies_tasks"))  # ① ... ④
    assert "ordinal" not in entry_facts(kb.entry("talent_ladder"))  # its five tasks, unnumbered

def test_where_a_thing_is_built_is_held_only_by_an_entry_naming_a_site():
    # engineer K27: strategies_tasks lists the data-industry convergence centre but says nowhere where it is built.
    assert "build_site" in asked_facts("융합센터는 광주 어디다 세운대요?")
    assert "build_site" not in asked_facts("융합센터는 어디예요?")
    kb = KnowledgeBase(ENTRIES)
    assert "build_site" in entry_facts(kb.entry("ai_complex"))  # 첨단3지구
    assert "build_site" in entry_facts(kb.entry("startup_support"))  # 집적단지 한가운데
    assert "build_site" not in entry_facts(kb.entry("strategies_tasks"))


def test_foreigners_asking_to_qualify_are_asked_but_a_foreign_asker_is_not():
    assert "eligibility" in asked_facts("외국인 유학생도 창업캠프에 들어갈 수 있나요?")
    assert "eligibility" not in asked_facts("저 외국인이에요. 광주 창업 지원은 뭐가 있어요?")
    assert "eligibility" not in asked_facts("추진위원회에 외국 전문가도 있었나요?")


def test_jeolla_dialect_filler_and_framing_clauses():
    assert "date" not in asked_facts("거시기 사관학교는 뭘 가르친당가요?")
    assert "date" in asked_facts("사관학교 모집 시기는 언제예요?")
    # "요즘 ... 나오는디" says when the asker heard it, as "나오는데" does
    assert "so_far" not in asked_facts("요즘 뉴스에 많이 나오는디 사관학교는 몇 명 뽑는당가?")


# Engineer K26: why a name or a choice, and what an appraisal procedure is; none of these questions is in
# knowledge/eval/questions.yml.
@pytest.mark.parametrize("question, kind", [
    ("사업단 이름은 왜 그렇게 지었어요?", "name_reason"),  # why a name was chosen
    ("AI 사관학교라는 명칭 유래가 궁금해요", "name_reason"),
    ("Why is the vision named Beyond Justice?", "name_reason"),
    ("왜 하필 첨단3지구에 지어요?", "choice_reason"),  # why this one rather than another
    ("하필 광주가 뽑힌 이유가 뭐예요?", "choice_reason"),
    ("Why Gwangju of all cities?", "choice_reason"),
    ("예타 면제가 뭐예요?", "procedure_meaning"),  # what the procedure is, which no article says
    ("예비타당성조사라는 게 무슨 말이에요? 쉽게요", "procedure_meaning"),
    ("What is a preliminary feasibility study?", "procedure_meaning"),
])
def test_why_a_name_or_a_choice_and_what_a_procedure_is_are_asked(question, kind):
    assert kind in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("광주는 왜 인공지능 도시라고 불리는 거예요?", "name_reason"),  # what the city does: the overview tells
    ("Beyond Justice는 무슨 뜻이에요?", "name_reason"),  # what the slogan says
    ("포럼 이름이 뭐였어요?", "name_reason"),  # the name itself
    ("왜 굳이 한곳에 모아서 짓는 거예요?", "choice_reason"),  # what a cluster is for: ai_complex tells
    ("예타 신청하려고 뭐 준비해요?", "procedure_meaning"),  # what was prepared for it
    ("예비타당성조사 면제는 어떤 사업이 받았어요?", "procedure_meaning"),  # which project was exempted
    ("예타 면제는 언제 받았어요?", "procedure_meaning"),
])
def test_reasons_and_procedures_the_entries_give_are_not_those_kinds(question, kind):
    assert kind not in asked_facts(question)


# Engineer K28: none of these questions is in knowledge/eval/questions.yml.
def test_an_incentive_in_the_asker_s_opening_statement_only_frames_the_request():
    # Who asks and what they weigh ("... 인센티브를 알아보고 있어요.") frames the request that follows it.
    assert "reward" not in asked_facts("지방 이전 인센티브를 알아보고 있어요. 광주 창업 지원은 어떻게 되는지 알려 주세요.")
    assert "reward" in asked_facts("광주로 옮기면 인센티브 있어요?")
    assert "reward" in asked_facts("창업 지원 내용을 봤어요. 참여하면 인센티브도 주나요?")


# Engineer K30: a target met since, a failure in slang, a building, a country, how data handed in is used; none of
# these questions is in knowledge/eval/questions.yml.
@pytest.mark.parametrize("question, kind", [
    ("스타트업 천 개 만든다던 목표 다 채웠나요?", "so_far"),  # a later tally against a target
    ("일자리 목표는 결국 달성된 거예요?", "so_far"),
    ("그 숫자 이뤘대요?", "so_far"),
    ("그 사업 폭망했다던데 진짜예요?", "judgement"),
    ("데이터센터 사업 망한 거 아님?", "judgement"),
    ("사업단 사무실은 어느 건물이에요?", "building"),
    ("창업캠프는 어디 건물에 있어요?", "building"),
    ("해외 협력은 어떤 나라랑 해요?", "country"),
    ("Which countries does Gwangju work with?", "country"),
    ("시민들이 낸 데이터는 어떻게 활용돼요?", "data_use"),
    ("모은 자료는 어디에 쓰이나요?", "data_use"),
    ("사관학교 들어가려면 조건이 있어요?", "requirement"),
    ("What are the eligibility requirements for the startup camp?", "requirement"),
    ("선포식 사회는 누가 맡았어요?", "programme"),  # who hosted the ceremony
    ("버스도 무인으로 다니게 돼요?", "vehicle"),  # the vehicle first
    ("How big is the startup fund in KRW?", "money"),
    ("창업 지원금은 한 팀당 얼마예요?", "money"),  # an amount given out
    ("교육비 지원은 얼마씩 나와요?", "money"),
    ("데이터센터 들어오면 주변 집값 오를까요?", "property"),
    ("첨단지구 상가 분양은 언제 해요?", "property"),
])
def test_targets_met_failures_buildings_countries_and_data_use_are_asked(question, kind):
    assert kind in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("일자리는 몇 개 생긴다고 전망했어요?", "judgement"),  # a forecast the goals entry gives
    ("목표가 뭐예요?", "so_far"),  # the target itself
    ("비전 선포 전에 준비는 어떻게 이뤄졌어요?", "so_far"),  # how a plan was carried out
    ("어떤 국가 사업으로 정해졌어요?", "country"),  # a national project, not a country
    ("데이터센터는 어디에 있어요?", "building"),  # where a site is, which entries give
    ("데이터 공유 협약은 어떤 기관이랑 맺었어요?", "data_use"),  # who shares, which data_mou gives
    ("사관학교 수료하면 자격증도 줘요?", "requirement"),  # a certificate, not a qualification
    ("일자리 7천 개는 몇 년 기준이에요?", "requirement"),  # the basis of a figure
    ("시민 사회 의견은 어떻게 모아요?", "programme"),  # civil society, not an event's host
    ("버스 운전하는데 자율주행 특구는 어디예요?", "vehicle"),  # the asker's own job
    ("Does phase 2 need a feasibility study before funding?", "money"),  # the procedure, not an amount
    ("사관학교는 한 해 몇 명 뽑아요?", "money"),
    ("아파트 사는 주부인데 AI 교육 받을 수 있어요?", "property"),  # where the asker lives
    ("부동산 하는데 손님들이 AI 단지를 물어봐요. 집적단지가 뭐예요?", "property"),
    ("좋은 조건 찾아 이직하려는데요, 광주 AI 일자리 목표는 몇 개예요?", "requirement"),  # who asks, in a framing clause
])
def test_forecasts_targets_plans_and_sites_are_not_those_kinds(question, kind):
    assert kind not in asked_facts(question)


def test_only_entries_naming_a_country_or_what_data_serves_hold_those_kinds():
    kb = KnowledgeBase(ENTRIES)
    assert "country" in entry_facts(kb.entry("preparation"))  # 실리콘밸리
    assert "country" not in entry_facts(kb.entry("phase2_goals"))  # 글로벌 협력 names no country
    assert "data_use" in entry_facts(kb.entry("data_mou"))  # 데이터를 공유해 AI 사업에 활용
    assert "data_use" not in entry_facts(kb.entry("citizen_participation"))  # the donation campaign only


@pytest.mark.parametrize("question, kind", [
    ("과제마다 맡은 부서는 어디예요?", "department"),  # no article names a city department
    ("데이터센터 담당 부서가 어디예요?", "department"),
    ("선포식 29일은 몇 월이에요?", "month_day"),  # the month of a day given alone
    ("추진위원장 성함이 뭐예요?", "person"),  # a role's holder asked by name
    ("is the donated data anonymised?", "privacy"),
    ("who can access the data I donate?", "privacy"),
    ("2단계 예타 떨어짐?", "so_far"),  # an appraisal's outcome, in slang
    ("그래서 예타 됨?", "so_far"),
])
def test_departments_a_day_s_month_names_english_privacy_and_an_appraisal_s_outcome_are_asked(question, kind):
    assert kind in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("저는 구청 기획부서에서 일하는데 AI 사관학교 교육생은 몇 명이에요?", "department"),  # the asker's own department
    ("예타 면제 됐어요?", "so_far"),  # the exemption preparation reports
    ("4대 전략 이름을 알려 주시기 바랍니다.", "date"),  # 주시기 바랍니다 frames a request
    ("월요대화 주제가 AI 산업의 현재와 미래였나요?", "so_far"),  # the present as a topic
    ("현재 2단계 추진 절차를 정리하려 합니다. 협업 기관을 알려 주세요.", "so_far"),  # the procedure under way
])
def test_an_asker_s_department_an_exemption_a_request_s_framing_and_a_topic_s_present_are_not_those_kinds(
        question, kind):
    assert kind not in asked_facts(question)


def test_only_a_month_and_day_together_hold_a_day_s_month():
    kb = KnowledgeBase(ENTRIES)
    assert "month_day" not in entry_facts(kb.entry("vision_2020"))  # 29일, and the release's own date
    assert "date" in entry_facts(kb.entry("vision_2020"))
    result = kb.search("29일이 몇 월이었어요?", context_topic="vision_2020")
    assert result.band != "answer" and "month_day" in result.missing


@pytest.mark.parametrize("question, kind", [
    ("광주 데이터센터가 네이버 데이터센터보다 커요?", "compare"),  # no article compares by name
    ("Is Gwangju AI data center bigger than Naver data center?", "compare"),
    ("마이데이터 기부는 어떤 앱으로 해요?", "app"),  # no article names an app
    ("My Data donation: which app do I use?", "app"),
])
def test_a_named_comparison_and_an_app_are_asked(question, kind):
    assert kind in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("데이터센터 다른 데보다 커요?", "compare"),  # 국내 최대, which data_center gives
    ("Is it bigger than any other data center in Korea?", "compare"),
    ("친구랑 AI 앱으로 창업하려는데 어떤 지원이 있어요?", "app"),  # what the asker builds
])
def test_an_unnamed_comparison_and_an_app_the_asker_builds_are_not_those_kinds(question, kind):
    assert kind not in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("일자리 칠천개 실졔로 다 생겻나요", "so_far"),  # a target come true, with typos
    ("스타트업 천 개 진짜 생겼냐ㅋㅋ", "so_far"),
    ("임차식 단장 아직도 단장함?", "so_far"),  # still in post
    ("데이터 협약 기관 중에 나중에 빠진 곳 있어요?", "so_far"),  # a later change of the list
    ("Who leads the PwC team on the phase 2 planning project?", "person"),
    ("사관학교 수료생 뽑아 가는 대전 회사가 어디예요?", "employer"),
    ("사업단 야근 많음?", "workplace"),
    ("How much does it cost to use the National AI Data Center's GPUs?", "usage_fee"),
    ("데이터센터 GPU 쓰려면 돈 얼마 내요?", "usage_fee"),
    ("창업캠프에 들어가려면 어떤 서류가 필요해요?", "apply"),  # papers and screening to get in
    ("창업캠프 심사는 어떻게 해요?", "apply"),
])
def test_outcomes_in_slang_people_in_english_employers_work_fees_and_papers_are_asked(question, kind):
    assert kind in asked_facts(question)


@pytest.mark.parametrize("question, kind", [
    ("Who runs the AI Academy together with the city?", "person"),  # an organisation answers it
    ("How much did the National AI Data Center cost?", "usage_fee"),  # its budget, which the entry gives
    ("사관학교 수료생들 어디에 취업했어요?", "employer"),  # where, which the academy's entry tells
])
def test_who_runs_a_build_cost_and_where_graduates_went_are_not_those_kinds(question, kind):
    assert kind not in asked_facts(question)


@pytest.mark.parametrize("question", [
    "그럼 2단계는 지금 뭐 하고 있어요?",  # work under way at the time of writing, which phase2 tells
    "지금 2단계 준비가 어떻게 진행되고 있는지 알려주세요",
])
def test_what_a_plan_is_doing_now_is_not_asked_as_an_outcome(question):
    assert "so_far" not in asked_facts(question)
