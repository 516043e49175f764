"""Text tools: language identification, taxonomies, questions, and the labelling step."""

from __future__ import annotations

from pathlib import Path

import pytest

from settlescope.errors import StudyError
from settlescope.study.setup import open_study
from settlescope.text import langid
from settlescope.text.evaluation import language_accuracy, read_posts
from settlescope.text.label import label_workspace
from settlescope.text.normalize import fold, strip_noise
from settlescope.text.questions import detect_question, is_question
from settlescope.text.taxonomy import load_taxonomy
from tests.conftest import copy_study

EVAL = Path(__file__).parents[1] / "cases" / "text" / "eval_posts.csv"
LANGS = ("en", "fr", "pa", "hi", "zh", "ar", "tl", "es", "fa", "uk")


def test_language_accuracy_on_the_hand_labelled_set() -> None:
    # 400 posts written and labelled by hand (tests/cases/text/README.md): the issue asks
    # for at least 95% accuracy overall, reported per language.
    posts = read_posts(EVAL)
    acc = language_accuracy(posts)
    assert set(LANGS) <= set(acc)
    assert all(acc[lang][1] >= 40 for lang in LANGS)
    ok, n = acc["all"]
    assert ok / n >= 0.95, {k: round(a / b, 3) for k, (a, b) in acc.items()}


@pytest.mark.parametrize(
    ("text", "want"),
    [("🙏🙏", "und"), ("", "und"), (None, "und"), ("<Media omitted>", "und"),
     ("https://canada.ca/pr #PR @IRCC", "und")],
    ids=["emoji", "empty", "none", "whatsapp-media", "only-links-tags-mentions"],
)  # fmt: skip
def test_no_language_in_noise(text: str | None, want: str) -> None:
    assert langid.detect(text).language == want


def test_noise_is_stripped_before_detection() -> None:
    assert strip_noise("Hi @ana see https://x.ca/a?b=1 #newcomers 🇨🇦 ok") == "Hi see ok"


def test_folding_of_case_accents_width_and_arabic_letters() -> None:
    assert fold("NUMÉRO") == "numero"
    assert fold("ＰＲ", keep_case=True) == "PR"  # full-width forms
    # Arabic yeh/kaf/teh marbuta/hamza forms and Persian digits fold to one spelling
    assert fold("كيف") == fold("کیف")
    assert fold("الإقامة") == fold("الاقامه")
    assert fold("۱۲٣") == "123"
    # Gurmukhi vowel signs are letters, not accents: they stay
    assert fold("ਕਾਰਡ") == "ਕਾਰਡ"


def _cats(tax: str, text: str, lang: str) -> set[str]:
    return {m.category for m in load_taxonomy(tax).match(text, lang)}


def test_acronyms_need_word_boundaries_and_capitals() -> None:
    assert "GOV.SIN" in _cats("topics-v1", "Where do I get my SIN?", "en")
    assert "GOV.SIN" not in _cats("topics-v1", "I run a small BUSINESS in Surrey", "en")
    assert "GOV.SIN" not in _cats("topics-v1", "Llegué sin trabajo y sin casa", "es")
    assert "IMM.PR" in _cats("topics-v1", "ਮੇਰਾ PR ਕਾਰਡ ਆ ਗਿਆ", "pa")
    assert "IMM.PR" not in _cats("topics-v1", "Our PRINTER is broken", "en")


def test_loan_terms_match_inside_every_language() -> None:
    for text, lang in [("كم يستغرق PGWP", "ar"), ("毕业工签 PGWP", "zh"), ("Подала на PGWP", "uk")]:
        assert "IMM.PGWP" in _cats("topics-v1", text, lang)


def test_normalised_matching_of_accents_and_arabic_variants() -> None:
    assert "GOV.SIN" in _cats("topics-v1", "numero d'assurance sociale", "fr")
    # written with Arabic yeh and teh marbuta, the lexicon has the same words
    assert "GOV.HEALTH" in _cats("topics-v1", "وصلت البطاقة الصحية", "ar")
    assert "GOV.HEALTH" in _cats("topics-v1", "وصلت البطاقه الصحيه", "ar")


def test_weak_service_cues_give_way_to_strong_ones() -> None:
    # "workshop" alone is Information and Orientation; an employment workshop is ERS only
    assert _cats("ircc-services-v1", "Free workshop for newcomers", "en") == {"IO"}
    assert _cats("ircc-services-v1", "Employment workshop: interviews", "en") == {"ERS"}


@pytest.mark.parametrize(
    ("text", "rule"),
    [("Does anyone know the wait for OHIP", "q-phrase-en"), ("هل يمكن التقديم أونلاين؟", "q-mark"),
     ("枫叶卡要等多久？", "q-mark"), ("Quelqu'un sait si la RAMQ couvre ça", "q-phrase-fr"),
     ("ਕੀ ਮਾਪਿਆਂ ਦਾ ਸੁਪਰ ਵੀਜ਼ਾ ਮਿਲਦਾ ਹੈ", "q-word-pa"), ("क्या सुपर वीज़ा मिलता है", "q-word-hi"),
     ("Чи можна працювати", "q-phrase-uk"), ("Paano mag-apply ng SIN", "q-word-tl"),
     ("Alguien sabe dónde sacar el SIN", "q-phrase-es"), ("کسی میدونه کجا برم", "q-phrase-fa"),
     ("办工签需要什么材料吗", "q-particle-zh")],
    ids=["en", "ar", "zh-mark", "fr", "pa", "hi", "uk", "tl", "es", "fa", "zh-particle"],
)  # fmt: skip
def test_question_rules(text: str, rule: str) -> None:
    hit = detect_question(text)
    assert hit is not None and hit.rule_id == rule


def test_statements_and_urls_are_not_questions() -> None:
    assert not is_question("Thanks, that helped!")
    assert not is_question("Book here: https://example.org/book?id=3")
    assert not is_question("When I arrived in Halifax it was snowing")


def test_unknown_taxonomy_names_the_study_key(demo_study: Path, tmp_path: Path) -> None:
    target = copy_study(demo_study, tmp_path / "study")
    opened = open_study(target)
    study = opened.study.model_copy(
        update={"taxonomies": opened.study.taxonomies.model_copy(update={"use": ("nope-v9",)})}
    )
    with opened.workspace() as ws, pytest.raises(StudyError) as e:
        label_workspace(ws, study)
    assert e.value.field == "taxonomies.use" and "nope-v9" in str(e.value)


def test_labelling_the_demo_recovers_planted_truth(demo_study: Path, tmp_path: Path) -> None:
    target = copy_study(demo_study, tmp_path / "study")
    opened = open_study(target)
    with opened.workspace() as ws:
        first = label_workspace(ws, opened.study)
        n_items = ws.count("items")
        assert first.items == n_items
        con = ws.duck
        # every item has exactly one primary language row
        (rows, keys) = con.execute(
            "SELECT count(*), count(DISTINCT item_key) FROM item_labels WHERE taxonomy = 'language'"
        ).fetchone()
        assert rows == keys == n_items
        # The generator writes each text in its planted language, and the exports carry it
        # (kept as 'language-platform'): each of the 8 languages is recovered.
        agree = {
            lang: (exact, or_und)
            for lang, exact, or_und in con.execute(
                "SELECT p.category, avg((p.category = i.language)::INT), "
                "avg((i.language IN (p.category, 'und'))::INT) FROM item_labels p "
                "JOIN items i USING (item_key) WHERE p.taxonomy = 'language-platform' GROUP BY 1"
            ).fetchall()
        }
        assert set(agree) == {"en", "fr", "pa", "ar", "zh", "tl", "es", "uk"}
        for lang, (exact, or_und) in agree.items():
            # short Tagalog follow-ups ("Salamat po", "Same po tayo") are too short to call
            # among 33 languages and are left "und"; they are never given another language
            assert or_und >= 0.97, (lang, exact, or_und)
            assert exact >= (0.5 if lang == "tl" else 0.97), (lang, exact, or_und)
        # Only question templates hold ?, ؟ or ？: each such item is flagged
        (missed,) = con.execute(
            "SELECT count(*) FROM items i WHERE regexp_matches(i.text, '[?؟？]') AND NOT EXISTS "
            "(SELECT 1 FROM item_flags f WHERE f.item_key = i.item_key AND f.flag = 'question')"
        ).fetchone()
        (planted,) = con.execute(
            "SELECT count(*) FROM items WHERE regexp_matches(text, '[?؟？]')"
        ).fetchone()
        assert planted > 100 and missed == 0
        # idempotent: a second run labels nothing and changes nothing
        before = (ws.count("item_labels"), ws.count("item_flags"))
        again = label_workspace(ws, opened.study)
        assert again.items == 0
        assert (ws.count("item_labels"), ws.count("item_flags")) == before


def test_mixed_language_post_keeps_a_secondary_language() -> None:
    # hand-written: a French sentence then an English question, about 40/60 by letters
    d = langid.detect("Bonjour à tous, je suis nouvelle ici. Does anyone know where to get a SIN?")
    assert {d.language, d.secondary} == {"fr", "en"}
    # an English loan word inside Punjabi is not a second language
    assert langid.detect("ਮੇਰਾ PR ਕਾਰਡ ਅੱਜ ਆ ਗਿਆ, ਵਾਹਿਗੁਰੂ ਦਾ ਸ਼ੁਕਰ ਹੈ").secondary is None


def test_new_versions_relabel_and_dropped_taxonomies_lose_their_rows(
    demo_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = copy_study(demo_study, tmp_path / "study")
    opened = open_study(target)
    only_services = opened.study.model_copy(
        update={
            "taxonomies": opened.study.taxonomies.model_copy(update={"use": ("ircc-services-v1",)})
        }
    )
    with opened.workspace() as ws:
        label_workspace(ws, opened.study)
        n = ws.count("items")
        # the study stops using topics-v1 and scams-v1: their rows go, nothing is relabelled
        s = label_workspace(ws, only_services)
        assert s.items == 0 and s.removed == ["scams-v1", "topics-v1"]
        (left,) = ws.duck.execute(
            "SELECT count(*) FROM item_labels WHERE taxonomy IN ('topics-v1', 'scams-v1')"
        ).fetchone()
        assert left == 0
        # a new version of the question rules relabels every item, once
        monkeypatch.setattr("settlescope.text.questions.VERSION", "test-2")
        s = label_workspace(ws, only_services)
        assert s.items == n and s.relabelled == ["question"]
        versions = ws.duck.execute("SELECT DISTINCT version FROM item_flags").fetchall()
        assert versions == [("test-2",)]
        assert label_workspace(ws, only_services).items == 0


def test_question_words_inside_verb_final_sentences() -> None:
    # Punjabi and Hindi put the question word where the answer goes, mid-sentence
    assert detect_question("ਟੈਕਸ ਰਿਟਰਨ ਕਿਵੇਂ ਭਰੀਏ").rule_id == "q-interrogative-pa"  # type: ignore[union-attr]
    assert detect_question("स्टडी परमिट में कितना समय लगता है").rule_id == "q-interrogative-hi"  # type: ignore[union-attr]
    # Arabic-script words count only in their own language: Persian "کم کم" is "little by
    # little", Arabic "كم" is "how much"
    assert detect_question("کم کم داره بهتر میشه", "fa") is None
    assert detect_question("كم سعر التأمين", "ar") is not None
    # Tagalog's question particle "ba", anywhere
    assert is_question("Kailangan ko bang mag-file ng tax return", "tl")
    # Chinese A-not-A with any verb or adjective: 难不难 ("hard or not")
    assert is_question("入籍考试难不难")


def test_language_identification_never_opens_a_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("language identification tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # load both models afresh with the network refused
    langid._fasttext_model.cache_clear()
    langid._lingua.cache_clear()
    try:
        dets = langid.detect_many(["Bonjour à tous, je cherche un logement", "Salamat po"])
        assert dets[0].language == "fr" and dets[1].source in ("lingua", "fasttext")
    finally:
        langid._fasttext_model.cache_clear()
        langid._lingua.cache_clear()
