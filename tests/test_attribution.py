"""Speaker attribution on agency-style copy: each test is a new example sentence, not a gold sentence.

Conventions (eval/gold/agency/README.md): ``speaker`` is the fullest name the article gives,
``speaker_mention`` the statement's own words for the speaker (None for a continued Konjunktiv
sentence).
"""

from __future__ import annotations

from tonlage.model.segmentation import segment
from tonlage.model.segmentation.morph import is_konjunktiv_i, is_konjunktiv_ii


def _triples(text: str) -> list[tuple[str, str | None, str | None]]:
    return [(s.kind, s.speaker, s.speaker_mention) for s in segment(text)]


def test_konjunktiv_i_comes_from_the_lemma_not_a_list() -> None:
    assert is_konjunktiv_i("behalte", "behalten", "VV(FIN)")
    assert is_konjunktiv_i("handle", "handeln", "VV(FIN)")
    assert is_konjunktiv_i("seien", "sein", "VA(FIN)")
    assert not is_konjunktiv_i("dankte", "danken", "VV(FIN)")  # preterite: stem + te
    assert not is_konjunktiv_i("behält", "behalten", "VV(FIN)")
    assert is_konjunktiv_ii("stünden", "stehen", "VV(FIN)")
    assert not is_konjunktiv_ii("standen", "stehen", "VV(FIN)")


def test_konjunktiv_chain_without_verb_of_saying_continues_the_speaker() -> None:
    text = (
        "Die Außenministerin Ines Vogt sagte, die Gespräche gingen weiter. "
        "Man verfolge die Lage genau. Ihr Land bekenne sich zu allen Verträgen."
    )
    assert _triples(text) == [
        ("reported", "Ines Vogt", "Die Außenministerin Ines Vogt"),
        ("reported", "Ines Vogt", None),
        ("reported", "Ines Vogt", None),
    ]


def test_agency_dateline_is_skipped_before_the_lead_subject() -> None:
    text = "KOPENHAGEN (dpa) - Der dänische Premier Mads Ravn hat die Entscheidung scharf kritisiert."
    assert _triples(text) == [("reported", "Mads Ravn", "Der dänische Premier Mads Ravn")]


def test_sentence_initial_adverb_is_no_speaker_but_a_lone_name_is() -> None:
    intro = "Premier Mads Ravn traf den Gast. "
    assert segment(intro + "Herzlich dankte Ravn den Helfern.")[1].speaker == "Mads Ravn"
    assert segment("Lind warnte vor Krieg.")[0].speaker == "Lind"  # "lind" is an adjective too


def test_pronoun_prefers_the_previous_speaker_over_the_last_named_man() -> None:
    text = (
        "Minister Paul Weber sagte, die Lage sei ernst. Er traf später den Botschafter Ivo Novak. "
        "„Wir bleiben im Gespräch“, sagte er."
    )
    statements = segment(text)
    assert (statements[2].speaker, statements[2].speaker_mention) == ("Paul Weber", "er")


def test_nameless_description_resolves_to_the_person_of_that_gender() -> None:
    text = (
        "Außenministerin Ana Ruiz empfing Minister Tom Berg. "
        "„Wir sind Partner“, sagte die 52-Jährige. "
        "Der Liberale lobte die Gastgeberin."
    )
    statements = segment(text)
    assert (statements[1].speaker, statements[1].speaker_mention) == ("Ana Ruiz", "die 52-Jährige")
    assert (statements[2].speaker, statements[2].speaker_mention) == ("Tom Berg", "Der Liberale")


def test_capital_stands_for_the_government_the_article_names() -> None:
    text = "Die rumänische Regierung bestellte den Botschafter ein. Bukarest warnte vor weiteren Schritten."
    assert segment(text)[1].speaker == "die rumänische Regierung"
    assert segment("Bukarest warnte vor weiteren Schritten.")[0].speaker == "Bukarest"


def test_pronoun_after_the_verb_is_the_subject_not_the_fronted_object() -> None:
    text = "Minister Paul Weber kam nach Genf. Die Beobachter nannte er „Zaungäste“."
    assert segment(text)[1].speaker == "Paul Weber"


def test_apposition_name_is_registered_in_full() -> None:
    text = "Die Witwe, Anna Lindqvist, dankte den Gästen. Lindqvist sagte, es sei ein schwerer Tag."
    assert [s.speaker for s in segment(text)] == ["Anna Lindqvist", "Anna Lindqvist"]
