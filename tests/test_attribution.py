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


def _speakers(text: str) -> list[str | None]:
    return [s.speaker for s in segment(text)]


def test_institution_with_a_nationality_prefix_is_named_without_antecedent() -> None:
    # "das EU-Parlament" names itself; "das Ministerium" alone would need an antecedent.
    text = "Der Streit um die Fischereiquoten hält an. Das EU-Parlament kritisierte die Einigung scharf."
    assert _speakers(text) == [None, "das EU-Parlament"]


def test_description_with_nationality_finds_a_person_whose_nationality_is_unknown() -> None:
    text = (
        "Innenminister Piet Verhoeven warnte am Montag vor neuen Protesten. "
        "Polizeichef Jan de Wit sagte, man sei vorbereitet. "
        "Der niederländische Innenminister sagte, die Lage bleibe ernst."
    )
    assert _speakers(text) == ["Piet Verhoeven", "Jan de Wit", "Piet Verhoeven"]


def test_teaser_with_a_country_genitive_points_forward_to_the_premier() -> None:
    text = (
        "Thailands Premier warnt vor Grenzschließungen\n\n"
        "Bangkok (dpa) - Thailands Ministerpräsident Somchai Wongsuwan hat vor Grenzschließungen gewarnt."
    )
    assert _speakers(text)[0] == "Somchai Wongsuwan"


def test_genitive_institution_is_an_antecedent_for_a_later_description() -> None:
    text = (
        "Ein Sprecher der kubanischen Botschaft war nicht eingeladen. "
        "Die Botschaft nannte das Vorgehen unverständlich."
    )
    assert _speakers(text)[1] == "die kubanische Botschaft"


def test_coordinated_verb_takes_the_subject_of_the_first_conjunct() -> None:
    text = "Lindqvist nickte und erklärte, man werde die Frist verlängern."
    assert _triples(text) == [("reported", "Lindqvist", "Lindqvist")]


def test_coordinated_clause_after_a_dash_takes_the_subject_after_the_verb() -> None:
    text = "Am Ende des Treffens empfing Kommissarin Ana Ferreira die Gastgeber – und warnte vor neuen Zöllen."
    assert _speakers(text) == ["Ana Ferreira"]


def test_new_subject_after_und_and_focus_particle() -> None:
    text = "Die Gespräche stocken – und Bogotá droht mit dem Abbruch. Auch Ecuador äußerte sich besorgt."
    assert _speakers(text) == ["Bogotá", "Ecuador"]


def test_subject_before_a_relative_clause_and_antecedent_of_a_relative_pronoun() -> None:
    text = (
        "Auch Chile, das seit Jahren vermittelt, forderte eine Einigung. "
        "Schärfer wurde die Senatorin Rosa Quispe, die die Regierung als „Bande von Amateuren“ beschimpfte."
    )
    assert _speakers(text) == ["Chile", "Rosa Quispe"]


def test_participle_several_commas_after_its_auxiliary() -> None:
    text = "Kuba hat den neuen Botschafter, Marc Leblanc, als „Provokateur“ beschimpft."
    assert _speakers(text) == ["Kuba"]


def test_hiess_es_names_the_anonymous_source_after_aus() -> None:
    text = (
        "Die Truppen seien verlegt worden, hieß es aus Militärkreisen in Lima. "
        "Aus Quito hieß es, man beobachte die Lage."
    )
    assert _triples(text) == [
        ("reported", "Militärkreisen in Lima", "Militärkreisen in Lima"),
        ("reported", "Quito", "Quito"),
    ]


def test_government_circles_of_a_nationality_are_that_government() -> None:
    text = (
        "Die kolumbianische Regierung schwieg zunächst. "
        "Aus kolumbianischen Regierungskreisen hieß es dann, man prüfe alle Optionen. "
        "Man werde nicht nachgeben."
    )
    assert _speakers(text) == [None, "die kolumbianische Regierung", "die kolumbianische Regierung"]


def test_general_staff_keeps_its_place() -> None:
    text = "Über dem Meer seien zwölf Jets gesichtet worden, teilte der Generalstab in Lissabon mit."
    assert _speakers(text) == ["der Generalstab in Lissabon"]


def test_publishing_a_commentary_is_saying_and_the_passive_inside_continues_it() -> None:
    text = (
        "Der Staatssender RTV veröffentlichte am Abend einen Kommentar, in dem die Regierung als „Marionette“ bezeichnet wurde. "
        "„Wir vergessen nichts“, hieß es darin."
    )
    assert _speakers(text) == ["der Staatssender RTV", "der Staatssender RTV"]


def test_publishing_photos_is_no_statement() -> None:
    text = "Die Armee veröffentlichte am Morgen Fotos der zerstörten Brücke."
    assert _triples(text) == [("narrative", None, None)]


def test_place_after_a_nominalised_description_is_the_object() -> None:
    text = (
        "Präsident Aurelio Batista traf am Montag in Brasília ein. "
        "Dort dankte der 58-Jährige Brasilien für die Gastfreundschaft."
    )
    assert _triples(text)[1] == ("reported", "Aurelio Batista", "der 58-Jährige")


def test_coordinated_subjects_yield_to_a_single_speaker_in_the_same_sentence() -> None:
    text = "Nach der Wahl gratulieren Paris und Rom – Teheran warnt."
    assert _speakers(text) == ["Teheran"]


def test_verb_of_saying_in_konjunktiv_i_is_reported_by_the_previous_speaker() -> None:
    text = (
        "Beim Abschied von Altkanzler Karl Brenner sprach Bürgermeisterin Anna Kessler. "
        "Sie sagte, ihr Vater sei ein stiller Mann gewesen. "
        "Er habe immer gesagt, Politik sei „die Kunst des Zuhörens“."
    )
    assert _speakers(text)[1:] == ["Anna Kessler", "Anna Kessler"]
