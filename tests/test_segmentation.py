"""Tests for the statement segmenter (model.segmentation) and its evaluation (eval.segmentation_eval).

Gold annotation conventions used in seeds/ and tests/fixtures/articles/:

* Title lines are narrative statements without speaker; teaser sentences are ordinary statements.
* The speaker is whoever the tone belongs to: for "X habe ... gedankt, teilte Y mit" it is X
  only when X is the subject of the verb of saying; otherwise the named source (Y).
  A quote or Konjunktiv sentence without its own attribution continues the previous speaker.
* "laut X" / "nach Angaben von X" alone does not make a sentence reported speech.
* Plain disparagement is insult only; insult+sarcasm needs irony or a mocking parallel
  (seed: "Ein rüpelhafter Versuch ..." = insult; "Wenn Amerikaner in deinem Haus sind ..."
  = insult+sarcasm). Criticism without derogatory words ("lächerlich gemacht", "kritisierte
  scharf") carries no label. Ironic thanks is sarcasm, not gratitude. Quoting someone else's
  thanks is not the speaker's gratitude.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tonlage.eval.segmentation_eval import (
    GoldError,
    article_paths,
    default_gold_paths,
    evaluate_article_tones,
    evaluate_segmentation,
    load_gold,
    main,
    match_statements,
    normalise_speaker,
    speakers_match,
)
from tonlage.model.labels import LABELS
from tonlage.model.segmentation import KINDS, Statement, find_quotes, segment, split_statements

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "kasachstan-2022-01.txt"
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "articles").glob("*.txt"))
ALL_ARTICLES = [SEED, *FIXTURES]
# The shared data folder sits next to the repository checkout (…/shared beside …/tonlage).
SHARED_SEED = ROOT.parent / "shared" / "seeds" / "kasachstan-2022-01.txt"


def _gold_path(article: Path) -> Path:
    return article.with_suffix(".gold.jsonl")


def _texts(text: str) -> list[str]:
    return [s.text for s in segment(text)]


def _by_text(text: str, fragment: str) -> Statement:
    matches = [s for s in segment(text) if fragment in s.text]
    assert len(matches) == 1, f"{fragment!r} in {len(matches)} statements"
    return matches[0]


# --------------------------------------------------------------------------- data files


def test_seed_copy_is_byte_identical_to_shared_seed() -> None:
    if not SHARED_SEED.is_file():
        pytest.skip(f"no shared seed at {SHARED_SEED}")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_there_are_at_least_five_fixture_articles() -> None:
    assert len(FIXTURES) >= 5
    assert all(_gold_path(f).exists() for f in FIXTURES)


@pytest.mark.parametrize("article", ALL_ARTICLES, ids=lambda p: p.stem)
def test_gold_offsets_and_schema(article: Path) -> None:
    text = article.read_text(encoding="utf-8")
    gold = load_gold(_gold_path(article))
    previous_end = 0
    for row in gold:
        assert set(row) == {"text", "start", "end", "speaker", "kind", "labels"}
        assert text[row["start"] : row["end"]] == row["text"]
        assert text[previous_end : row["start"]].strip() == "", "gold must cover the article in order"
        assert row["kind"] in KINDS
        assert set(row["labels"]) <= set(LABELS)
        assert len(row["labels"]) == len(set(row["labels"]))
        if row["kind"] == "narrative":
            assert row["speaker"] is None and row["labels"] == []
        previous_end = row["end"]
    assert text[previous_end:].strip() == ""


@pytest.mark.parametrize("article", FIXTURES, ids=lambda p: p.stem)
def test_fixture_articles_meet_the_brief(article: Path) -> None:
    text = article.read_text(encoding="utf-8")
    gold = load_gold(_gold_path(article))
    assert 150 <= len(text.split()) <= 450
    assert 8 <= len(gold) <= 24
    assert {lab for row in gold for lab in row["labels"]} == set(LABELS), "all four tones"
    assert {row["kind"] for row in gold} == set(KINDS)
    speakers = {row["speaker"] for row in gold if row["speaker"]}
    assert len(speakers) >= 3
    assert any(row["labels"] == [] for row in gold if row["kind"] != "narrative"), "neutral speech too"


def test_seed_gold_labels_follow_the_brief() -> None:
    gold = {row["text"][:40]: row["labels"] for row in load_gold(_gold_path(SEED))}

    def labels(prefix: str) -> list[str]:
        return next(v for k, v in gold.items() if k.startswith(prefix))

    assert labels("US-Außenminister Blinken hatte deshalb") == ["warning"]
    assert labels('"Ich denke, eine Lehre') == ["warning"]
    assert labels('"US-Außenminister Antony Blinken hat') == ["sarcasm"]
    assert labels('"Ein rüpelhafter Versuch') == ["insult"]
    assert labels("Die russische Regierung kritisierte") == ["insult"]
    assert labels("Damit habe er") == []
    assert labels('"Wenn Antony Blinken') == ["insult", "sarcasm"]
    assert labels("Der kasachische Präsident habe") == ["gratitude"]
    assert labels("Laut einem Bericht") == []
    assert labels("Präsident Tokajew ordnete") == []


# --------------------------------------------------------------------------- splitting


@pytest.mark.parametrize(
    "sentence",
    [
        "Die Staaten, z. B. Frankreich und Polen, stimmten zu.",
        "Er traf Dr. Müller und Prof. Dr. Weber in Genf.",
        "Beteiligt waren u. a. Kampfjets bzw. Drohnen aus Nr. 3 der Liste.",
        "Die Delegation reiste nach St. Petersburg weiter.",
        "US-Außenminister A. Blinken reiste am 7. Januar nach Kiew.",
        "Der 1. FC Köln spielt wie im 18. Jahrhundert.",
        "Mehr als 4.400 Menschen wurden am 24. Feb. 2022 festgenommen.",
        "Er zögerte … dann sprach er weiter.",
        "Die Kosten lagen bei 4,5 Mio. Euro und damit über Art. 5 des Plans.",
        "Die U.S. Army und die Bundeswehr übten gemeinsam.",
    ],
)
def test_abbreviations_ordinals_and_numbers_do_not_split(sentence: str) -> None:
    assert _texts(sentence) == [sentence]


def test_ordinal_after_a_preposition_or_article_does_not_split() -> None:
    assert _texts("Sie trafen sich beim 3. Treffen in Genf. Danach reisten sie ab.") == [
        "Sie trafen sich beim 3. Treffen in Genf.",
        "Danach reisten sie ab.",
    ]


def test_real_sentence_ends_after_numbers_and_marks_still_split() -> None:
    text = "Die Zahl stieg auf 40. Die Behörden zählten weiter. Was nun? Niemand weiß es! Es ist spät..."
    assert _texts(text) == [
        "Die Zahl stieg auf 40.",
        "Die Behörden zählten weiter.",
        "Was nun?",
        "Niemand weiß es!",
        "Es ist spät...",
    ]


@pytest.mark.parametrize(
    ("opening", "closing"),
    [("„", "“"), ('"', '"'), ("»", "«"), ("«", "»"), ("“", "”")],
)
def test_multi_sentence_quote_stays_whole_with_its_attribution(opening: str, closing: str) -> None:
    quote = f"{opening}Wir sind bereit. Aber nicht um jeden Preis. Das ist klar{closing}, sagte der Minister."
    text = f"Der Außenminister Karl Brandt reiste ab. {quote} Danach begann die Sitzung."
    assert _texts(text) == ["Der Außenminister Karl Brandt reiste ab.", quote, "Danach begann die Sitzung."]
    assert _by_text(text, "Wir sind bereit").speaker == "Karl Brandt"


def test_quote_before_detached_attribution_sentence_is_merged() -> None:
    text = "„Wir stehen an eurer Seite. Daran ändert sich nichts.“ Das sagte Kanzler Ole Lund am Sonntag."
    statements = segment(text)
    assert len(statements) == 1
    assert statements[0].kind == "quote"
    assert statements[0].speaker == "Ole Lund"


def test_split_quote_with_attribution_in_the_middle() -> None:
    text = "„Wir lassen uns nicht provozieren“, sagte Chen, „aber wir sind vorbereitet.“ Dann ging er."
    assert _texts(text) == [
        "„Wir lassen uns nicht provozieren“, sagte Chen, „aber wir sind vorbereitet.“",
        "Dann ging er.",
    ]


def test_nested_quotes_and_unterminated_quote() -> None:
    text = "„Sie sagte: ‚Danke. Vielen Dank.‘ Das rührt mich“, erklärte sie. »Das bleibt so. Immer"
    quotes = find_quotes(text)
    assert len(quotes) == 2
    assert text[quotes[1][0] :] == "»Das bleibt so. Immer"
    assert len(split_statements(text)) == 2


def test_title_line_is_classified_like_a_sentence_and_teaser_sentence_is_attributed() -> None:
    # The agency gold (eval/gold/agency) marks a headline with a verb of saying as reported
    # ("Israel dankt Katar und Ägypten"); a headline without one stays narrative.
    text = "Kreml wirft Berlin Lügen vor\nMoskau sagt, der Westen sei schuld.\n\nDer Kreml hat am Montag reagiert."
    statements = segment(text)
    assert [s.text for s in statements] == [
        "Kreml wirft Berlin Lügen vor",
        "Moskau sagt, der Westen sei schuld.",
        "Der Kreml hat am Montag reagiert.",
    ]
    assert [(s.kind, s.speaker) for s in statements[:2]] == [("reported", "Kreml"), ("reported", "Moskau")]
    assert segment("Kreml verlegt Truppen an die Grenze\n\nDer Kreml hat am Montag reagiert.")[0].kind == "narrative"


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Das veranlasste Außenministerin Lena Roth zu einer deutlichen Warnung.", "Lena Roth"),
        ("Der Vorfall bewog Premier Jonas Lind zu einer scharfen Mahnung an Minsk.", "Jonas Lind"),
        ("Präsident Ivo Horak nutzte den Besuch für eine unverblümte Drohung.", "Ivo Horak"),
        ("Kanzler Max Bauer nahm das zum Anlass für eine Warnung an Peking.", "Max Bauer"),
        ("Minister Piotr Nowak ließ sich zu Spott über die Gäste hinreißen.", "Piotr Nowak"),
    ],
)
def test_lead_naming_a_speech_act_is_attributed_to_its_performer(sentence: str, speaker: str) -> None:
    statement = segment(sentence)[0]
    assert (statement.kind, statement.speaker) == ("reported", speaker)


@pytest.mark.parametrize(
    "sentence",
    [
        "Die Äußerung sorgte in Moskau für Spott.",  # no performer named
        "Die Proteste führten zu einer Warnung der Behörden.",  # the cause is not the speaker
        "Die Regierung nahm die Beschwerde zur Kenntnis.",  # no tone noun
    ],
)
def test_speech_act_nouns_without_a_performer_stay_narrative(sentence: str) -> None:
    assert [(s.kind, s.speaker) for s in segment(sentence)] == [("narrative", None)]


def test_wrapped_lines_are_joined_but_line_breaks_after_sentences_split() -> None:
    text = "Die Regierung\nhat beschlossen, die Mittel zu kürzen.\nDer Rat tagt am Montag."
    assert _texts(text) == ["Die Regierung\nhat beschlossen, die Mittel zu kürzen.", "Der Rat tagt am Montag."]


@pytest.mark.parametrize("article", ALL_ARTICLES, ids=lambda p: p.stem)
def test_predicted_offsets_are_exact(article: Path) -> None:
    text = article.read_text(encoding="utf-8")
    statements = segment(text)
    assert statements
    for statement in statements:
        assert text[statement.start : statement.end] == statement.text
        assert statement.text == statement.text.strip()
        assert statement.kind in KINDS
    assert all(a.end <= b.start for a, b in zip(statements, statements[1:]))


# --------------------------------------------------------------------------- kind


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ('"Wir kommen wieder", sagte er.', "quote"),
        ("Er sagte: „Das ist inakzeptabel.“", "quote"),
        ("»Niemals.«", "quote"),
        ('Die Regierung nannte den Vorschlag "rüpelhaft".', "reported"),
        ('OVKS-Staaten haben "Friedenstruppen" entsandt.', "narrative"),
        ("Die Lage sei ernst, hieß es in Moskau.", "reported"),
        ("Die Lage sei ernst.", "reported"),
        ("Die Staatschefs hätten lange beraten.", "reported"),
        ("Die Lage ist ernst, so der Minister.", "reported"),
        ("Das Außenministerium teilte am Abend mit, man prüfe den Fall.", "reported"),
        ("Das Außenministerium teilte die Einschätzung nicht.", "narrative"),
        ("Das Erdbeben forderte mehr als 2.900 Todesopfer.", "narrative"),
        ("Die Opposition forderte Neuwahlen.", "reported"),
        ("Befürchtet wird, dass die Zahl höher sein könnte.", "narrative"),
    ],
)
def test_kind_detection(sentence: str, kind: str) -> None:
    assert [s.kind for s in segment(sentence)] == [kind]


def test_partial_quote_inside_reported_speech_is_not_a_quote() -> None:
    text = 'Tokajew habe mitgeteilt, dass sich die Lage "in Richtung einer Stabilisierung entwickelt", hieß es.'
    assert segment(text)[0].kind == "reported"


# --------------------------------------------------------------------------- speakers


def test_pronoun_resolves_to_last_named_person_of_matching_gender() -> None:
    text = (
        "Außenministerin Lena Roth traf ihren Amtskollegen Piotr Nowak. "
        "„Wir stehen zusammen“, sagte er. "
        "„Das freut mich“, antwortete sie."
    )
    statements = segment(text)
    assert [s.speaker for s in statements[1:]] == ["Piotr Nowak", "Lena Roth"]


def test_pronoun_does_not_look_ahead_within_the_statement() -> None:
    text = "Präsident Ivo Horak reiste ab. Er sagte, Kanzler Max Bauer habe ihn enttäuscht."
    assert segment(text)[1].speaker == "Ivo Horak"


def test_definite_description_resolves_via_colleague_and_nationality() -> None:
    text = SEED.read_text(encoding="utf-8")
    assert _by_text(text, "Der kasachische Präsident habe").speaker.endswith("Tokajew")
    assert _by_text(text, "erklärte das Ministerium auf Facebook").speaker == "das russische Außenministerium"
    assert _by_text(text, "erklärte das Außenministerium und verwies").speaker == "das russische Außenministerium"
    assert _by_text(text, '"Ich denke, eine Lehre').speaker.endswith("Blinken")


def test_hypernym_descriptions_and_demonstratives() -> None:
    text = (
        "Bundeskanzler Olaf Brandt warf Moskau Erpressung vor. "
        "„Wir lassen uns nicht erpressen“, sagte der SPD-Politiker. "
        "Brandt traf u. a. Premierminister Jonathan Adler. Dieser dankte Deutschland für die Hilfe."
    )
    statements = segment(text)
    assert statements[1].speaker == "Olaf Brandt"
    assert statements[-1].speaker == "Jonathan Adler"


def test_long_names_with_romance_and_arabic_particles_stay_whole() -> None:
    text = (
        "Kolumbiens Präsident Andrés Felipe de la Torre nannte die Zölle unfair. "
        "Katar sei bereit, erklärte Staatsminister Khalid bin Hamad al-Mansouri."
    )
    assert [s.speaker for s in segment(text)] == ["Andrés Felipe de la Torre", "Khalid bin Hamad al-Mansouri"]


def test_so_attribution_stops_at_the_speakers_institution() -> None:
    text = "Die Preise könnten steigen, so der Ökonom Dr. José Ortiz von der Universidad de los Andes."
    assert segment(text)[0].speaker.endswith("José Ortiz")


def test_subject_after_adverbial_may_be_a_news_agency() -> None:
    text = "In einem Kommentar bezeichnete die staatliche Nachrichtenagentur Irna die Regierung als »Handlanger«."
    assert segment(text)[0].speaker == "die staatliche Nachrichtenagentur Irna"
    # the dative after a verb of saying is still not a speaker
    assert segment("„Wir gehen“, sagte er der Nachrichtenagentur Reuters.")[0].speaker is None


def test_platform_x_ends_a_sentence() -> None:
    text = "Das sei Erpressung, schrieb er auf der Plattform X. „Wir bleiben standhaft.“"
    assert len(segment(text)) == 2


def test_subject_before_a_colon_frame_speaks_for_what_follows() -> None:
    text = "Außenministerin Laura Restrepo ging noch weiter: Der Minister sei ein „Kolonialverwalter“."
    assert segment(text)[0].speaker == "Laura Restrepo"
    assert segment("Die Lage ist klar: Die Grenze bleibe zu.")[0].speaker is None


def test_pronoun_prefers_a_person_over_a_bare_state_name() -> None:
    text = (
        "Kolumbien droht mit Gegenzöllen. Präsident Juan Ortega nannte die Zölle unfair. "
        "Sollte Washington nicht einlenken, werde Kolumbien reagieren, schrieb er."
    )
    assert segment(text)[-1].speaker == "Juan Ortega"


@pytest.mark.parametrize(
    "sentence",
    ["Die Beobachter bemängelten den Druck auf Staatsbedienstete.", "Im Sender legte er nach: „Wir warten nicht.“"],
)
def test_plural_past_and_separable_verbs_of_saying(sentence: str) -> None:
    assert segment(sentence)[0].kind in {"reported", "quote"}
    assert segment("Minister Jonas Lind reiste ab. " + sentence)[-1].speaker is not None


def test_unresolvable_pronoun_or_bare_description_gives_none() -> None:
    assert segment("„Wir gehen“, sagte er.")[0].speaker is None
    assert segment("Das Ministerium erklärte, man prüfe den Fall.")[0].speaker is None


def test_unattributed_quote_continues_previous_speaker() -> None:
    text = '"Das ist ein Skandal", erklärte das russische Außenministerium. "Ein plumper Versuch, nichts weiter."'
    assert [s.speaker for s in segment(text)] == ["das russische Außenministerium"] * 2


def test_narrative_has_no_speaker_and_names_with_particles_are_kept() -> None:
    text = (
        "EU-Kommissionspräsidentin Ursula von der Leyen reiste nach Riad. "
        "Dort warnte sie vor Eile. "
        "Energieminister Faisal al-Rashid dankte den Gästen."
    )
    statements = segment(text)
    assert statements[0].speaker is None
    assert statements[1].speaker == "Ursula von der Leyen"
    assert statements[2].speaker == "Faisal al-Rashid"


def test_apposition_and_so_attribution() -> None:
    text = (
        "Ein Sprecher des Ministeriums, Oberst Gao Ming, nannte die Übung eine Mahnung. "
        "Die Lage sei ernst, so UN-Generalsekretär António Ferreira."
    )
    assert [s.speaker for s in segment(text)] == ["Gao Ming", "António Ferreira"]


# --------------------------------------------------------------------------- evaluation


def test_speakers_match_is_lenient_but_not_blind() -> None:
    assert speakers_match("Blinken", "US-Außenminister Antony Blinken")
    assert speakers_match("das russische Außenministerium", "Das russische Außenministerium")
    assert speakers_match(None, None)
    assert not speakers_match("Blinken", None)
    assert not speakers_match(None, "der Kreml")
    assert not speakers_match("Putin", "Tokajew")
    assert not speakers_match("das russische Außenministerium", "das Ministerium")
    assert normalise_speaker("Der Kreml") == ["kreml"]


def test_match_statements_pairs_by_iou() -> None:
    gold = [{"start": 0, "end": 10}, {"start": 11, "end": 30}, {"start": 31, "end": 40}]
    pred = [Statement("x", 0, 10, "narrative"), Statement("y", 11, 40, "narrative")]
    assert match_statements(pred, gold) == [(0, 0), (1, 1)]
    assert match_statements(pred, gold, min_iou=0.9) == [(0, 0)]


def test_evaluate_segmentation_counts_errors() -> None:
    text = "Eins ist klar. Zwei sagte er. Drei."
    gold = [
        {"text": "Eins ist klar.", "start": 0, "end": 14, "kind": "narrative", "speaker": None},
        {"text": "Zwei sagte er. Drei.", "start": 15, "end": 35, "kind": "reported", "speaker": "Hans"},
    ]
    result = evaluate_segmentation([(text, gold)])
    assert result["gold"] == 2 and result["predicted"] == 3
    assert result["matched"] == 2  # "Zwei sagte er." overlaps the second gold span with IoU 0.7
    assert result["exact"] == 1
    assert result["precision"] == pytest.approx(2 / 3)
    assert result["recall"] == 1.0
    assert result["speaker_total"] == 1 and result["speaker_accuracy"] == 0.0
    assert result["per_article"][0]["f1"] == result["f1"]


def test_load_gold_rejects_incomplete_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.gold.jsonl"
    path.write_text(json.dumps({"text": "x", "start": 0}) + "\n", encoding="utf-8")
    with pytest.raises(GoldError, match=r"bad.gold.jsonl:1: missing \['end', 'kind'\]"):
        load_gold(path)


@pytest.mark.parametrize("article", ALL_ARTICLES, ids=lambda p: p.stem)
def test_segmentation_quality_per_article(article: Path) -> None:
    text = article.read_text(encoding="utf-8")
    result = evaluate_segmentation([(text, load_gold(_gold_path(article)))])
    assert result["f1"] >= 0.9
    assert result["speaker_accuracy"] >= 0.8
    assert result["kind_accuracy"] >= 0.8


def test_segmentation_quality_overall() -> None:
    pairs = [(a.read_text(encoding="utf-8"), load_gold(_gold_path(a))) for a in ALL_ARTICLES]
    result = evaluate_segmentation(pairs)
    assert result["articles"] == len(ALL_ARTICLES)
    assert result["f1"] >= 0.9
    assert result["exact_f1"] >= 0.9
    assert result["speaker_accuracy"] >= 0.8
    assert result["kind_accuracy"] >= 0.9


def test_article_tone_scoring_counts_every_gold_statement(tiny_classifier) -> None:
    paths = default_gold_paths()
    pairs = [(p.read_text(encoding="utf-8"), load_gold(p.with_suffix(".gold.jsonl"))) for p in paths]
    scores = evaluate_article_tones(tiny_classifier, pairs)
    assert scores["n"] == sum(len(gold) for _, gold in pairs)
    support = sum(row["support"] for row in scores["per_label"].values())
    assert support == sum(len(s["labels"]) for _, gold in pairs for s in gold)


class _KeywordClassifier:
    """Stands in for a model: "warn…" means warning, "dank…" gratitude, nothing else is ever found."""

    labels = LABELS

    def __init__(self) -> None:
        self.paths: list[object] = []

    def predict_proba(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float("warn" in t.lower()), 0.0, 0.0, float("dank" in t.lower())] for t in texts]

    def tags(self, proba: list[list[float]], thresholds: object = None) -> list[list[str]]:
        return [[label for label, p in zip(self.labels, row) if p >= 0.5] for row in proba]


# The segmenter keeps the quote and "Das sagte Lind." together (one statement, 55-92); the gold splits
# them, so the quote (IoU 21/37) is matched and "Das sagte Lind." (IoU 15/37) is missed.
TONE_ARTICLE = "Lind warnte vor Krieg. Er dankte Oslo für die Warnung. „Ihr seid Feiglinge.“ Das sagte Lind."
TONE_GOLD = [
    {"text": "Lind warnte vor Krieg.", "start": 0, "end": 22, "kind": "reported", "speaker": "Lind", "labels": ["warning"]},
    {"text": "Er dankte Oslo für die Warnung.", "start": 23, "end": 54, "kind": "reported", "speaker": "Lind",
     "labels": ["gratitude", "sarcasm"]},
    {"text": "„Ihr seid Feiglinge.“", "start": 55, "end": 76, "kind": "quote", "speaker": "Lind", "labels": ["insult"]},
    {"text": "Das sagte Lind.", "start": 77, "end": 92, "kind": "narrative", "speaker": None, "labels": []},
]


def test_article_tone_scores_are_hand_worked_on_a_tiny_gold_set() -> None:
    scores = evaluate_article_tones(_KeywordClassifier(), [(TONE_ARTICLE, TONE_GOLD)])
    # predicted per gold row: [warning], [warning, gratitude], [] (quote matched), [] (missed)
    per_label = scores["per_label"]
    assert per_label["warning"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert per_label["gratitude"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert per_label["insult"]["f1"] == 0.0 and per_label["sarcasm"]["f1"] == 0.0
    assert scores["macro_f1"] == pytest.approx((2 / 3 + 1) / 4)
    assert scores["micro_f1"] == pytest.approx(4 / 7)  # TP 2, FP 1, FN 2
    assert scores["n"] == 4  # the missed gold statement counts, with no predicted labels
    assert scores["exact_match"] == 0.5  # rows 1 and 4


# --------------------------------------------------------------------------- command line


def _write_pair(folder: Path, name: str, text: str, gold: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    article = folder / f"{name}.txt"
    article.write_text(text, encoding="utf-8")
    (folder / f"{name}.gold.jsonl").write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold), encoding="utf-8")
    return article


EINS = "Eins ist klar. Zwei sagte er. Drei."
EINS_GOLD = [
    {"text": "Eins ist klar.", "start": 0, "end": 14, "kind": "narrative", "speaker": None, "labels": []},
    {"text": "Zwei sagte er. Drei.", "start": 15, "end": 35, "kind": "reported", "speaker": "Hans", "labels": []},
]
LIND = "Lind warnte vor Krieg."
LIND_GOLD = [TONE_GOLD[0]]


def _table(out: str) -> dict[str, list[str]]:
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    return {row[0]: row[1:] for row in rows}


def test_main_scores_a_folder_and_an_explicit_article(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_pair(tmp_path / "set", "eins", EINS, EINS_GOLD)
    (tmp_path / "set" / "notes.txt").write_text("no gold here", encoding="utf-8")  # ignored inside a folder
    lind = _write_pair(tmp_path / "other", "lind", LIND, LIND_GOLD)
    assert main([str(tmp_path / "set"), str(lind)]) == 0
    table = _table(capsys.readouterr().out)
    # eins: 3 predicted, 2 gold, both matched, 1 exact -> F1 0.8, exact F1 0.4; speaker "Zwei" != "Hans"
    assert table == {
        "eins": ["2", "0.800", "0.400", "0.000", "1.000", "-"],
        "lind": ["1", "1.000", "1.000", "1.000", "1.000", "-"],
        # 4 predicted, 3 gold, 3 matched, 2 exact: F1 6/7, exact F1 4/7, speaker 1/2; no gold mentions
        "overall": ["3", "0.857", "0.571", "0.500", "1.000", "-"],
    }


def test_main_defaults_to_the_seed_and_the_fixture_articles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert list(_table(capsys.readouterr().out)) == [SEED.stem, *(p.stem for p in FIXTURES), "overall"]


def test_main_tones_reports_tone_f1_of_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tonlage.model.classifier import Classifier

    stub = _KeywordClassifier()

    def from_dir(path: object = None, **_: object) -> _KeywordClassifier:
        stub.paths.append(path)
        return stub

    monkeypatch.setattr(Classifier, "from_dir", from_dir)
    article = _write_pair(tmp_path, "tone", TONE_ARTICLE, TONE_GOLD)
    assert main(["--tones", "--model", "some/model", str(article)]) == 0
    out = capsys.readouterr().out
    assert stub.paths == ["some/model"]
    assert "tone F1 over 4 gold statements: macro 0.417, micro 0.571" in out
    assert "  warning    P 0.500  R 1.000  F1 0.667  (support 1)" in out


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no-gold", "lonely.txt: no gold file lonely.gold.jsonl beside it"),
        ("bad-offsets", "eins.gold.jsonl:2: offsets 14-35 give ' Zwei sagte er. Drei.', not the statement's text"),
        ("out-of-range", "eins.gold.jsonl:2: offsets 15-99 are outside the article (35 characters)"),
        ("not-json", "eins.gold.jsonl:1: not JSON"),
        ("missing", "nowhere.txt: no such file or folder"),
        ("empty-folder", "empty: no article .txt with a .gold.jsonl beside it"),
        ("gold-given", "eins.gold.jsonl: expected an article .txt"),
    ],
)
def test_main_rejects_bad_articles_with_a_message_naming_the_file(
    case: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    article = _write_pair(tmp_path, "eins", EINS, EINS_GOLD)
    gold = article.with_suffix(".gold.jsonl")
    target = article
    if case == "no-gold":
        target = tmp_path / "lonely.txt"
        target.write_text(EINS, encoding="utf-8")
    elif case == "bad-offsets":
        gold.write_text(gold.read_text(encoding="utf-8").replace('"start": 15', '"start": 14'), encoding="utf-8")
    elif case == "out-of-range":
        gold.write_text(gold.read_text(encoding="utf-8").replace('"end": 35', '"end": 99'), encoding="utf-8")
    elif case == "not-json":
        gold.write_text("{text: 1}\n", encoding="utf-8")
    elif case == "missing":
        target = tmp_path / "nowhere.txt"
    elif case == "empty-folder":
        target = tmp_path / "empty"
        target.mkdir()
    elif case == "gold-given":
        target = gold
    assert main([str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"Error: {tmp_path}")
    assert message in captured.err


def test_main_tones_needs_labels_on_every_gold_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    article = _write_pair(tmp_path, "eins", EINS, [{k: v for k, v in g.items() if k != "labels"} for g in EINS_GOLD])
    assert main(["--tones", str(article)]) == 2
    assert "eins.gold.jsonl: --tones needs a 'labels' field on every statement" in capsys.readouterr().err


def test_article_paths_keeps_argument_order_and_drops_duplicates(tmp_path: Path) -> None:
    b = _write_pair(tmp_path, "b", LIND, LIND_GOLD)
    a = _write_pair(tmp_path, "a", EINS, EINS_GOLD)
    assert article_paths([b, tmp_path, a]) == [b, a]


def test_module_run_exits_2_with_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    proc = subprocess.run(
        [sys.executable, "-m", "tonlage.eval.segmentation_eval", str(missing)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr == f"Error: {missing}: no such file or folder\n"
