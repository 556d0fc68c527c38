"""Split German news articles into statements and attribute them to speakers.

The pipeline is rule-based and runs in four small steps, one module each:

1. ``find_quotes`` (``quotes``) locates direct quotes in any of the usual German quote styles
   („…“, "…", »…«, «…», “…”), so that sentence splitting never cuts inside one.
2. ``split_statements`` (``sentences``) cuts the text at sentence ends, paragraph breaks and header
   lines, while skipping abbreviations ("z. B.", "Dr.", "bzw."), initials ("A. Blinken"),
   ordinals and dates ("am 7. Januar", "1. FC", "18. Jahrhundert") and inner-quote
   punctuation. A quote and its attribution ("…", sagte er.) stay together.
3. ``classify_kind`` (``kinds``) labels each statement ``quote`` (contains a full-clause direct
   quote), ``reported`` (indirect speech: Konjunktiv I or a verb of saying) or
   ``narrative``. Title and teaser lines are classified like any other sentence ("Israel dankt
   Katar" is reported). Konjunktiv I/II and verbs of saying come from HanTa's lemmas (``morph``).
4. Speaker attribution (``speakers``) finds the subject of the verb of saying (``X sagte`` /
   ``…, sagte X`` / ``…, so X``), resolves pronouns ("er", "sie") and definite
   descriptions ("der kasachische Präsident", "das Ministerium") against the people and
   institutions the article names (``entities``, registered for the whole article first, so
   ``speaker`` is the fullest name), prefers the topic of the sentence before for pronouns and
   nameless descriptions ("der 61-Jährige"), lets a capital stand for the article's government,
   and lets an unattributed quote or Konjunktiv sentence inherit the speaker before it.
   ``speaker_mention`` keeps the statement's own words for the speaker.

Supporting modules: ``morph`` (HanTa tags, lemmas, Konjunktiv), ``lexicon`` (word lists and patterns), ``tokens`` (tokens outside quotes),
``mentions`` (noun phrases: roles, names, nationalities), ``cues`` (verbs of saying and the clause
helpers shared by steps 3 and 4), ``statement`` (the result record) and ``pipeline`` (``segment``,
which runs the steps in order).

Every ``Statement`` carries exact character offsets: ``article[s.start:s.end] == s.text``.
"""

from tonlage.model.segmentation.kinds import classify_kind
from tonlage.model.segmentation.pipeline import segment
from tonlage.model.segmentation.quotes import find_quotes
from tonlage.model.segmentation.sentences import split_statements
from tonlage.model.segmentation.statement import KINDS, Statement

__all__ = [
    "KINDS",
    "Statement",
    "classify_kind",
    "find_quotes",
    "segment",
    "split_statements",
]
