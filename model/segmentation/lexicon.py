"""Word lists, character classes and patterns the segmentation rules look up."""

from __future__ import annotations

import re

# Opening quote character -> characters that may close it.
QUOTE_PAIRS: dict[str, str] = {"„": "“”", "»": "«", "«": "»", "“": "”", '"': '"'}
OPEN_AFTER = set("([{/–—-:;")
CLOSERS = set("“”«»\"'’‘)]")
TERMINALS = set(".!?…")

# Tokens (before a period) that are abbreviations, never sentence ends. Case-sensitive.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    z B u a bzw Nr St Dr Prof Dipl Ing ca Mio Mrd Tsd vgl sog ggf evtl inkl bspw Hr Fr
    Mr Mrs Ms Gen Abs Tel Std Min Hrsg Chr d h i o ä v gem lt Str Jh Bd Co Jr jr
    sen ehem insb Verf Abg Präs Botsch Vors stellv Ca Dt dt Jan Feb Mär Apr Jun Jul Aug
    Sep Sept Okt Nov Dez Mo Di Mi Do Sa So Pkt engl franz russ frz
    """.split()
)

# Abbreviations that are only abbreviations before a number ("Art. 5", "Kap. 3").
NUMBER_ABBREVIATIONS: frozenset[str] = frozenset({"Art", "Kap", "Ziff", "Bl"})

# Words before "X" that make it the platform, not an initial ("auf der Plattform X.").
PLATFORM_CONTEXT: frozenset[str] = frozenset("auf plattform dienst kurznachrichtendienst onlinedienst via".split())

MONTHS: frozenset[str] = frozenset(
    "Januar Jänner Februar März April Mai Juni Juli August September Oktober November Dezember".split()
)

# Nouns that typically follow an ordinal number ("18. Jahrhundert", "7. Flotte", "1. FC").
ORDINAL_NOUNS: frozenset[str] = frozenset(
    """
    Jahrhundert Jahrhunderts Jahrtausend Jahrestag Jahrgang Mal Platz Rang Runde Etappe Tag
    Woche Monat Quartal Klasse Liga Bundesliga FC SC SV Stock Stockwerk Etage Armee Division
    Brigade Flotte Regiment Bataillon Korps Gipfel Kongress Parteitag Sitzung Lesung Weltkrieg
    Legislaturperiode Amtszeit Todestag Geburtstag Jubiläum Sinfonie Kapitel Absatz Artikel
    Hälfte Halbzeit Spieltag Wahlgang Durchgang Welle Stufe Phase Mannschaft Ausgabe Auflage
    Fassung Zusatzprotokoll Sanktionspaket Paket Sonderparteitag Minute Stunde
    """.split()
)

# Words before a number that make a following period an ordinal ("am 7.", "vom 2.").
ORDINAL_CONTEXT: frozenset[str] = frozenset(
    "am vom zum bis seit ab dem den der die das des im beim zur ihr ihrem ihren sein seinem seinen".split()
)

# Verbs of saying, by form. Finite forms of separable verbs need their particle later in
# the same clause ("teilte ... mit"); participles may stand behind an auxiliary.
SAYING_FINITE: frozenset[str] = frozenset(
    """
    sagte sagten sagt erklärte erklärten warnte warnten warnt betonte betonten betont
    kritisierte kritisierten kritisiert dankte dankten dankt bedankte bedankten verurteilte
    verurteilten verurteilt forderte forderten fordert drohte drohten droht berichtete
    berichteten berichtet meldete meldeten schrieb schrieben schreibt twitterte postete
    bekräftigte bekräftigt versicherte versichert unterstrich bestätigte bestätigt dementierte
    behauptete behauptet beklagte beklagt lobte lobt mahnte mahnt appellierte antwortete
    entgegnete spottete spotteten spottet höhnte kommentierte nannte nannten nennt
    bezeichnete bezeichneten bezeichnet verlangte verlangten verlangt verkündete verkündet
    erinnerte argumentierte monierte bemängelte beschuldigte rügte verspottete beschimpfte
    versprach verspricht informierte informiert gratulierte kondolierte beteuerte klagte
    rief riefen ruft sagen erklären warnen betonen kritisieren danken drohen fordern
    verurteilen bekräftigen versichern beklagen verlangen spotten berichten fragte fragten
    fragt begründete begründeten begründet
    """.split()
)
# Past plurals of the weak verbs above ("bemängelten", "monierten").
SAYING_FINITE = SAYING_FINITE | {word + "n" for word in SAYING_FINITE if word.endswith("te")}
SAYING_PARTICIPLES: frozenset[str] = frozenset(
    """
    gesagt erklärt gewarnt betont mitgeteilt kritisiert gedankt bedankt verurteilt gefordert
    gedroht berichtet gemeldet geschrieben bekräftigt versichert unterstrichen bestätigt
    dementiert behauptet beklagt gelobt gemahnt appelliert aufgerufen geantwortet entgegnet
    gespottet kommentiert genannt bezeichnet angekündigt hinzugefügt zurückgewiesen
    vorgeworfen verlangt informiert versprochen zugesagt gratuliert verkündet beteuert
    """.split()
)
# Lemmas (HanTa) of verbs of saying, for the forms the lists above do not spell out ("rät",
# "verspottet", "scherzte", "begrüßte"). Only finite verbs and participles count.
SAYING_LEMMAS: frozenset[str] = frozenset(
    """
    sagen erklären warnen betonen kritisieren danken bedanken verurteilen fordern drohen berichten
    melden schreiben twittern posten bekräftigen versichern unterstreichen bestätigen dementieren
    behaupten beklagen loben mahnen ermahnen appellieren antworten entgegnen spotten verspotten höhnen
    kommentieren bezeichnen verlangen verkünden argumentieren monieren bemängeln beschuldigen
    rügen beschimpfen versprechen gratulieren kondolieren beteuern klagen fragen begründen scherzen
    begrüßen würdigen verteidigen raten protestieren werben bedauern ergänzen präzisieren
    schimpfen lästern spötteln witzeln bilanzieren zitieren äußern
    """.split()
)
SEPARABLE_SAYING: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("teilte", "teilten", "teilt"), ("mit",)),
    **dict.fromkeys(("wies", "wiesen", "weist"), ("zurück", "hin")),
    **dict.fromkeys(("warf", "warfen", "wirft"), ("vor",)),
    **dict.fromkeys(("rief", "riefen", "ruft"), ("auf",)),
    **dict.fromkeys(("kündigte", "kündigten", "kündigt"), ("an",)),
    **dict.fromkeys(("fügte", "fügten", "fügt"), ("hinzu", "an")),
    **dict.fromkeys(("räumte", "räumten", "räumt"), ("ein",)),
    **dict.fromkeys(("sicherte", "sicherten", "sichert"), ("zu",)),
    **dict.fromkeys(("gab", "gaben", "gibt"), ("bekannt", "an", "zu")),
    **dict.fromkeys(("stellte", "stellten", "stellt"), ("klar",)),
    **dict.fromkeys(("hob", "hoben", "hebt"), ("hervor",)),
    **dict.fromkeys(("sprach", "sprachen", "spricht", "sprechen"), ("von", "aus")),
    **dict.fromkeys(("wandte", "wandten"), ("ein",)),
    **dict.fromkeys(("legte", "legten", "legt"), ("nach",)),
}
# "veröffentlichte einen Kommentar": publishing a text is saying; publishing photos is not.
PUBLISHING_LEMMAS: frozenset[str] = frozenset({"veröffentlichen", "verbreiten", "herausgeben"})
STATEMENT_NOUNS: frozenset[str] = frozenset(
    "Kommentar Kommentare Erklärung Mitteilung Stellungnahme Botschaft Brief Leitartikel Communiqué Kommuniqué".split()
)
IMPERSONAL_SAYING: frozenset[str] = frozenset({"hieß", "heißt"})  # "hieß es"

# Nouns that name one of the four tones as a speech act, for lead sentences without a verb of
# saying ("Das veranlasst Blinken zu einer Warnung", "Rubio nutzte das Treffen für eine Warnung").
TONE_ACT_NOUNS: frozenset[str] = frozenset(
    """
    Warnung Warnungen Drohung Drohungen Mahnung Ermahnung Ultimatum Kampfansage Dank Danksagung
    Dankesworten Spott Spottrede Stichelei Sticheleien Schmähung Schmähungen Beschimpfung
    Beschimpfungen
    """.split()
)
# Verbs whose object performs the speech act ("veranlasst X zu einer Warnung").
CAUSATIVE_VERBS: frozenset[str] = frozenset(
    """
    veranlasst veranlasste veranlassten bewegt bewog bewogen verleitet verleitete verleiteten
    provoziert provozierte provozierten treibt trieb trieben reizt reizte
    """.split()
)
# Verbs whose subject performs the speech act named after zu/für/mit ("nahm das zum Anlass für
# eine Warnung", "verband den Schritt mit einer Drohung", "ließ sich zu Spott hinreißen").
SPEECH_ACT_FRAME_VERBS: frozenset[str] = frozenset(
    "nahm nahmen nimmt nutzte nutzten nutzt verband verbanden verbindet ließ ließen lässt".split()
)
SPEECH_ACT_PREPOSITIONS: frozenset[str] = frozenset({"zu", "zum", "zur", "für", "mit"})

# "forderte 40 Tote" is not a demand.
CASUALTY_NOUNS: frozenset[str] = frozenset(
    "Tote Toten Todesopfer Opfer Menschenleben Verletzte Leben Tribut".split()
)

# Konjunktiv I forms (plus the Konjunktiv II substitutes "hätten", "wären").
KONJUNKTIV_FORMS: frozenset[str] = frozenset(
    """
    habe sei seien seiest werde könne müsse solle wolle dürfe möge wisse gebe bleibe stehe
    liege gehe komme drohe handle brauche lasse sehe halte trage gelte führe plane verfüge
    entscheide arbeite hätten wären
    """.split()
)

AUXILIARIES: frozenset[str] = frozenset(
    """
    hat hatte hatten haben habe hätten hätte ist war sei wurde wird werde soll solle will wolle
    kann könne muss müsse
    """.split()
)

DETERMINERS: frozenset[str] = frozenset(
    """
    der die das den dem des ein eine einer eines einem einen mehrere zahlreiche viele einige
    beide zwei drei sein seine seiner seinem seinen ihr ihre ihrer ihrem ihren dessen deren
    unser unsere
    """.split()
)
DEFINITE_ARTICLES: frozenset[str] = frozenset({"der", "die", "das", "den", "dem", "des"})
POSSESSIVES: frozenset[str] = frozenset("sein seine seiner seinem seinen ihr ihre ihrer ihrem ihren".split())
PRONOUN_GENDER: dict[str, str] = {"er": "m", "sie": "f", "dieser": "m", "diese": "f"}

PREPOSITIONS: frozenset[str] = frozenset(
    """
    in im am an auf aus bei beim mit nach seit von vom vor zu zum zur über unter gegen
    gegenüber für durch um laut während wegen trotz ohne bis ab per via angesichts binnen
    """.split()
)
# Sentence-initial words that open an adverbial first position (the subject follows the verb).
ADVERBIAL_STARTERS: frozenset[str] = frozenset(
    """
    zudem zugleich dabei daraufhin damit deshalb außerdem später zuvor auch dann nun jetzt
    heute gestern morgen bereits schon doch aber und so dort hier dazu trotzdem allerdings
    gleichzeitig inzwischen unterdessen derweil erst noch dagegen jedoch ebenfalls
    anschließend zunächst bislang bisher erneut wiederum weiter ferner vielmehr stattdessen
    immerhin dies das daher darum indes hingegen andererseits zuletzt ebenso alles nichts
    man niemand jemand vieles einiges es was wer wie wo warum
    """.split()
)
SKIPPABLE_ADVERBS: frozenset[str] = frozenset(
    "zudem zugleich jedoch auch dagegen außerdem daraufhin dabei erneut bereits nun noch ebenfalls indes".split()
)
NAME_PARTICLES: frozenset[str] = frozenset("von van der de al bin ibn el da di zu ben la le los las del della dos du".split())
TITLES: frozenset[str] = frozenset({"Dr.", "Prof.", "Dipl.", "Ing.", "Mr.", "Mrs.", "Ms."})
# Capitalised words that follow a speech verb but are not names ("sagte er Journalisten").
NOT_NAMES: frozenset[str] = frozenset(
    "Journalisten Reportern Medien Sender Zeitung Nachrichtenagentur Fernsehen Rundfunk".split()
)

FUNCTION_WORDS: frozenset[str] = ADVERBIAL_STARTERS | DETERMINERS | PREPOSITIONS

# Person role nouns, matched as suffixes of the lower-cased word after any "XX-" prefix.
ROLE_SUFFIXES: tuple[str, ...] = (
    "ministerin", "minister", "präsidentin", "präsident", "kanzlerin", "kanzler",
    "sprecherin", "sprecher", "chefin", "chef", "premierministerin", "premierminister", "premier",
    "botschafterin", "botschafter", "sekretärin", "sekretär", "kommissarin", "kommissar",
    "koordinatorin", "koordinator", "vorsitzende", "vorsitzender", "kollegin", "kollege",
    "abgeordnete", "abgeordneter", "politikerin", "politiker", "oberst", "generalin", "general",
    "admiral", "hauptmann", "major", "physikerin", "physiker", "forscherin", "forscher",
    "expertin", "experte", "diplomatin", "diplomat", "gesandte", "gesandter", "leiterin", "leiter",
    "direktorin", "direktor", "königin", "könig", "emir", "gouverneurin", "gouverneur",
    "bürgermeisterin", "bürgermeister", "führerin", "führer", "beauftragte", "beauftragter",
    "machthaber", "staatssekretärin", "staatssekretär", "analystin", "analyst", "seismologin",
    "seismologe", "beraterin", "berater", "prinzessin", "prinz", "delegierte", "delegierter",
)
# Institution head nouns (for "das Ministerium", "die Regierung" …).
INSTITUTION_SUFFIXES: tuple[str, ...] = (
    "ministerium", "regierung", "amt", "behörde", "kommission", "rat", "parlament", "armee",
    "militär", "junta", "präsidialamt", "botschaft", "agentur", "staatsmedien", "fernsehen",
    "gemeinschaft", "bündnis", "organisation", "partei", "union", "führung", "verwaltung",
    "streitkräfte", "polizei", "büro", "kanzleramt", "kreml", "stab", "kreise", "kreisen",
)
# Broader nouns a definite description may use for a person introduced by a narrower role
# ("der SPD-Politiker" for a Kanzler, "die Diplomatin" for a Botschafterin).
ROLE_HYPERNYMS: dict[str, tuple[str, ...]] = {
    "politiker": tuple(
        "kanzler minister präsident abgeordneter abgeordnete premier vorsitzender bürgermeister chef sekretär kommissar".split()
    ),
    "politikerin": tuple(
        "kanzlerin ministerin präsidentin abgeordnete premierministerin vorsitzende bürgermeisterin chefin sekretärin"
        " kommissarin".split()
    ),
    "diplomat": ("botschafter", "außenminister", "gesandter", "diplomat"),
    "diplomatin": ("botschafterin", "außenministerin", "gesandte", "diplomatin"),
    "chefdiplomat": ("außenminister",),
    "chefdiplomatin": ("außenministerin",),
    "regierungschef": ("kanzler", "premierminister", "ministerpräsident", "premier"),
    "premier": ("premierminister", "ministerpräsident", "regierungschef"),
    "premierministerin": ("ministerpräsidentin", "regierungschefin"),
    "premierminister": ("ministerpräsident", "regierungschef", "premier"),
    "regierungschefin": ("kanzlerin", "premierministerin", "ministerpräsidentin"),
    "staatschef": ("präsident", "könig", "emir", "machthaber"),
    "staatschefin": ("präsidentin", "königin"),
    "militär": ("general", "oberst", "admiral", "major", "hauptmann"),
}

# Heads after "von der"/"vom" that end a name ("Ortiz von der Universität …").
PLACE_OF_WORK_HEADS: tuple[str, ...] = (
    "universität", "universidad", "university", "institut", "stiftung", "hochschule", "akademie", "zentrum",
)

GENERIC_HEADS: tuple[str, ...] = (
    ROLE_SUFFIXES + tuple(ROLE_HYPERNYMS) + tuple(s for s in INSTITUTION_SUFFIXES if s != "kreml")
)

FEMININE_NOUN_ENDINGS: tuple[str, ...] = (
    "ung", "ion", "ei", "heit", "keit", "schaft", "behörde", "armee", "junta", "tät", "kommission",
    "partei", "union", "polizei", "organisation", "agentur", "botschaft", "führung",
)

# Country genitives and role prefixes -> nationality adjective stem.
COUNTRY_GENITIVES: dict[str, str] = {
    "Russlands": "russisch", "Chinas": "chinesisch", "Taiwans": "taiwanisch", "Ungarns": "ungarisch",
    "Frankreichs": "französisch", "Israels": "israelisch", "Marokkos": "marokkanisch",
    "Malis": "malisch", "Kasachstans": "kasachisch", "Deutschlands": "deutsch", "Amerikas": "us",
    "Irans": "iranisch", "Iraks": "irakisch", "Ägyptens": "ägyptisch", "Jordaniens": "jordanisch",
    "Belgiens": "belgisch", "Polens": "polnisch", "Japans": "japanisch", "Indiens": "indisch",
    "Italiens": "italienisch", "Spaniens": "spanisch", "Großbritanniens": "britisch",
    "Syriens": "syrisch", "Afghanistans": "afghanisch", "Pakistans": "pakistanisch",
    "Nigers": "nigrisch", "Senegals": "senegalesisch", "Algeriens": "algerisch",
    "Tunesiens": "tunesisch", "Libyens": "libysch", "Katars": "katarisch", "Kubas": "kubanisch",
    "Brasiliens": "brasilianisch", "Mexikos": "mexikanisch", "Kanadas": "kanadisch",
    "Österreichs": "österreichisch", "Griechenlands": "griechisch", "Serbiens": "serbisch",
    "Georgiens": "georgisch", "Armeniens": "armenisch", "Nordkoreas": "nordkoreanisch",
    "Südkoreas": "südkoreanisch", "Vietnams": "vietnamesisch", "Äthiopiens": "äthiopisch",
    "Kenias": "kenianisch", "Südafrikas": "südafrikanisch", "Nigerias": "nigerianisch",
    "Libanons": "libanesisch", "Tschechiens": "tschechisch", "Rumäniens": "rumänisch",
    "Litauens": "litauisch", "Lettlands": "lettisch", "Estlands": "estnisch",
    "Finnlands": "finnisch", "Schwedens": "schwedisch", "Norwegens": "norwegisch",
    "Dänemarks": "dänisch", "Irlands": "irisch", "Portugals": "portugiesisch",
    "Argentiniens": "argentinisch", "Kirgistans": "kirgisisch", "Usbekistans": "usbekisch",
    "Malaysias": "malaysisch", "Thailands": "thailändisch", "Indonesiens": "indonesisch",
    "Myanmars": "myanmarisch", "Kambodschas": "kambodschanisch", "Australiens": "australisch",
    "Kolumbiens": "kolumbianisch", "Venezuelas": "venezolanisch", "Aserbaidschans": "aserbaidschanisch",
    "Saudi-Arabiens": "saudisch", "Belarus'": "belarussisch", "Moldaus": "moldauisch",
}
# Capitals that stand for their government ("Kairo droht", "Washington begründete") -> nationality.
CAPITALS: dict[str, str] = {
    "Moskau": "russisch", "Peking": "chinesisch", "Washington": "us", "Berlin": "deutsch",
    "Paris": "französisch", "London": "britisch", "Rom": "italienisch", "Madrid": "spanisch",
    "Warschau": "polnisch", "Prag": "tschechisch", "Wien": "österreichisch", "Budapest": "ungarisch",
    "Athen": "griechisch", "Ankara": "türkisch", "Kiew": "ukrainisch", "Minsk": "belarussisch",
    "Vilnius": "litauisch", "Riga": "lettisch", "Tallinn": "estnisch", "Helsinki": "finnisch",
    "Stockholm": "schwedisch", "Oslo": "norwegisch", "Kopenhagen": "dänisch", "Brüssel": "belgisch",
    "Den Haag": "niederländisch", "Bern": "schweizerisch", "Belgrad": "serbisch", "Bukarest": "rumänisch",
    "Tiflis": "georgisch", "Jerewan": "armenisch", "Baku": "aserbaidschanisch", "Teheran": "iranisch",
    "Bagdad": "irakisch", "Damaskus": "syrisch", "Beirut": "libanesisch", "Amman": "jordanisch",
    "Kairo": "ägyptisch", "Riad": "saudisch", "Doha": "katarisch", "Jerusalem": "israelisch",
    "Tokio": "japanisch", "Seoul": "südkoreanisch", "Pjöngjang": "nordkoreanisch", "Taipeh": "taiwanisch",
    "Neu-Delhi": "indisch", "Islamabad": "pakistanisch", "Kabul": "afghanisch", "Addis Abeba": "äthiopisch",
    "Nairobi": "kenianisch", "Pretoria": "südafrikanisch", "Abuja": "nigerianisch", "Bamako": "malisch",
    "Niamey": "nigrisch", "Rabat": "marokkanisch", "Algier": "algerisch", "Tunis": "tunesisch",
    "Brasília": "brasilianisch", "Buenos Aires": "argentinisch", "Bogotá": "kolumbianisch",
    "Caracas": "venezolanisch", "Havanna": "kubanisch", "Ottawa": "kanadisch", "Astana": "kasachisch",
    "Canberra": "australisch", "Kuala Lumpur": "malaysisch", "Hanoi": "vietnamesisch", "Manila": "philippinisch", "Bangkok": "thailändisch",
}
# Heads of definite noun phrases that never describe a person ("die Erklärung", "der Bericht").
NON_PERSON_HEADS: tuple[str, ...] = (
    "erklärung", "mitteilung", "bericht", "kommentar", "zeitung", "stellungnahme", "sender", "staat",
    "land", "mission", "stab", "gruppe", "miliz", "seite", "delegation", "koalition", "opposition",
)
ROLE_PREFIX_NATIONALITY: dict[str, str] = {"us": "us", "eu": "eu", "un": "un", "uno": "un", "bundes": "deutsch"}
NATIONALITY_SYNONYMS: dict[str, str] = {"amerikanisch": "us", "us-amerikanisch": "us"}

PREFIXED_NAME_RE = re.compile(r"(?:al|el|ad|as|an|ar|at|az|abu|bin|ibn|de|d|da|di|du|le|la)-[^\W\d_][\w'’-]*")
# Agency datelines before the lead: "BRÜSSEL (dpa) - ", "Athen/Ankara (Reuters) – ",
# "pwe. WASHINGTON/PEKING, 12. März. " (place, agency or author initials, date).
DATELINE_RE = re.compile(
    r"[A-ZÄÖÜ][^\W\d_]*(?:[ /-][A-ZÄÖÜ][^\W\d_]*){0,3}(?:,[^()\n]{0,25})?\s*\([^()\n]{1,20}\)\s*[-–—]\s+"
    r"|[a-zäöü]{2,4}\.\s+[A-ZÄÖÜ][A-ZÄÖÜ/ -]+,\s+\d{1,2}\.\s+[A-ZÄÖÜ][a-zäöü]+\.?\s+"
)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")
WORD_RE = re.compile(r"\d+-[^\W\d_][\w'’]*|[^\W\d_][\w'’]*(?:-[\w'’]+)*-?|\d+(?:[.,]\d+)*|\S", re.UNICODE)


def is_saying_word(word: str) -> bool:
    """Whether ``word`` is a verb of saying in any listed form (finite, separable or participle)."""
    return word in SAYING_FINITE or word in SEPARABLE_SAYING or word in SAYING_PARTICIPLES
