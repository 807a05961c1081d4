"""
Language mix: whether a chat message is Turkish, English, or both at once.

People who text in two languages switch inside one message ("haha Moda'da park
yeri 😂 good luck"), and a clone should too. Language detectors answer "which
one language is this text", and guess poorly on a few chat words; the question
here is narrower: which of two known languages do the message's words belong
to. A word counts as Turkish when it has a letter English does not use
(ç ğ ı ö ş ü), a Turkish suffix after an apostrophe (``Moda'da``,
``Ayşe'nin``) or is one of a few hundred common Turkish chat words written
without them (``ben``, ``naber``, ``tamam``); it counts as English when it is
one of a few hundred common English chat words. Words in neither list (names,
laughs, emoji, ``ok``) say nothing. A message with words of both is `Language.MIXED`.
"""

from __future__ import annotations

import enum
import re
from typing import Final

from ..dataset.repetition import tokens


__all__ = ["ENGLISH_WORDS", "TURKISH_WORDS", "Language", "language_of"]


class Language(enum.Enum):
    """Which language a message is in, as far as its words tell."""

    TURKISH = "turkish"
    """Only Turkish words."""
    ENGLISH = "english"
    """Only English words."""
    MIXED = "mixed"
    """Turkish and English words in one message."""
    NEITHER = "neither"
    """No word of either (a laugh, an emoji, a name, ``ok``)."""


TURKISH_WORDS: Final = frozenset(
    """
    abi abla acaba ad adam agla ahh aksam alo ama amma ana anladim anlamadim ara arkadas
    artik az baba bak bakalim bana bari basla bayram bekle ben beni benim bence bende beni
    bi bide bile bilmem bir biraz birsey bisey biz bize bizi bizim bos bu buda bugun bunu
    bura burada burasi burda cay da daha dahil de degil demek den der dedi diye dur
    durum efsane evet eve evde ev fazla gel geldi geldim gelir geliyor geliyorum gelsin
    gene gibi gidelim gidiyoruz git gitti gittim gece gun guzel hadi hala hangi hani hayir
    hem hemen hep her hic icin iki ile ilk ise ister istemem iste iyi iyiyim kadar kadin
    kaldi kim kimse kac kafe kalk kardes ki kiz lan lazim mi mu misin musun naber napiyorsun
    napcaz napiyon ne neden nerde nerede nereye nasil nasilsin niye o oda ol olan olsun olur
    olmaz on ona onu orada orda oyle oyun para patron sabah saat sadece sana sanane sen seni
    senin sence sey simdi sizi siz sonra su sus tabi tabii tamam tamamdir tesekkurler tmm tm
    uzgunum var vardi varim ve veya yani yarin yapalim yapma yapiyorsun yav ya yaa yalniz
    yeni yine yok yoksa yolda yoldayim zaten ağla akşam anladım arkadaş artık bugün boş çay
    değil gün güzel hayır hiç için iyiyim kaç kardeş mı mu mü musun mısın misin napıyorsun
    nasıl nasılsın nerede öyle şey şimdi şu teşekkürler üzgünüm yarın yapalım yapıyorsun
    yoldayım
    """.split()  # noqa: SIM905 - a word list reads better as text
)
"""Common Turkish chat words, with and without Turkish letters."""

ENGLISH_WORDS: Final = frozenset(
    """
    a about after again all also always am an and any anyone anything are around as ask at
    away back bad be because been before being best better big bit both bring busy but by
    call came can cant can't come coming could day did didnt didn't do does dont don't done
    down each early else even ever every everyone exactly fine first for from fun get gets
    getting give glad go going gone good got great guess guys had has have having he hear
    hello help her here hey him his home hope how i i'd i'll i'm i've if in is isnt isn't it
    it's its just keep kind know late later let let's like little look lot love luck made
    make maybe me mean meet might mine more morning most much must my need never new next
    nice night no not nothing now of off oh okay on once one only or other our out over
    people please pretty probably put quite really right said same say see seems she should
    so some someone something soon sorry still stuff sure take talk tell than thank thanks
    that that's the their them then there these they thing things think this those though
    thought time to today together tomorrow tonight too totally try two um up us very wait
    want was wasnt way we well went were what what's when where which while who why will
    with without wont won't work would wow yeah yes yet you you're your yours
    """.split()  # noqa: SIM905 - a word list reads better as text
)
"""Common English chat words."""

_TURKISH_LETTERS: Final = frozenset("çğıöşüâîû")
_SUFFIX = re.compile(
    r"[^\W\d_]+['’](?:d[ae]n?|t[ae]n?|n?[ıiuü]n|n?[ıiuü]|y?[ıiuü]|y?[ae]|[ıiuü]m|l[ae]r\w*|"
    r"n[ıiuü]n|[ıiuü]n[ıiuü]n|d[ae]ki|t[ae]ki|s[ıiuü])"
)
_AMBIGUOUS: Final = TURKISH_WORDS & ENGLISH_WORDS


def _side(word: str) -> int:
    """+1 for a Turkish word, -1 for an English word, 0 for neither."""
    if word in _AMBIGUOUS:
        return 0
    if not _TURKISH_LETTERS.isdisjoint(word) or word in TURKISH_WORDS or _SUFFIX.fullmatch(word):
        return 1
    if word in ENGLISH_WORDS:
        return -1
    return 0


def language_of(text: str) -> Language:
    r"""
    Return which of Turkish and English the words of *text* belong to.

    Example:
        >>> language_of("haha Moda'da park yeri 😂\ngood luck").value
        'mixed'
        >>> language_of("ben varım, nereye gidiyoruz").value
        'turkish'
        >>> language_of("Sounds good, see you there!").value
        'english'
        >>> language_of("lol 😂").value
        'neither'

    """
    turkish = english = False
    for word in tokens(text):
        side = _side(word)
        if side > 0:
            turkish = True
        elif side < 0:
            english = True
        if turkish and english:
            return Language.MIXED
    if turkish:
        return Language.TURKISH
    return Language.ENGLISH if english else Language.NEITHER
