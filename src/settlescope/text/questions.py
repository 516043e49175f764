"""Question detection by rules: question marks, interrogative words and asking phrases.

Rules (rule ids are stored in ``item_flags.rule_id``; the first rule that fires is recorded):

``q-mark``
    A question mark of any script: ``?`` (Latin, Cyrillic, Devanagari, Gurmukhi and others),
    ``؟`` (Arabic and Persian), ``？`` (full-width, Chinese and Japanese), ``¿`` (Spanish
    opening mark), ``⸮``. URLs are removed first, so ``?`` in a query string does not count.
``q-phrase-<lang>``
    An asking phrase anywhere in the text: "does anyone know", "quelqu'un sait", "alguien
    sabe", "хтось знає", "请问", "may nakakaalam", "کسی میدونه", "هل يعرف", "किसी को पता",
    "ਕਿਸੇ ਨੂੰ ਪਤਾ" and others.
``q-word-<lang>``
    An interrogative word or particle at the start of a sentence: "how", "where", "can I",
    "est-ce que", "comment", "cómo", "هل", "چطور", "ਕੀ", "क्या", "paano", "чи", "як".
``q-particle-zh``
    A Chinese sentence-final question particle (吗, 嗎, 呢), an A-not-A form (有没有, 能不能,
    难不难: any character, 不 or 没, the same character) or a question word (什么, 哪里, 多久,
    哪家).
``q-interrogative-<lang>``
    In languages that put the question word where the answer goes (verb-final Punjabi and
    Hindi, and Persian, Arabic, Tagalog, French, Ukrainian), a question word anywhere in the
    text: "ਕਿਵੇਂ", "कितना", "چطور", "كم", "ba" (Tagalog's question particle), "combien".
    Gurmukhi and Devanagari words apply to every text; the others only to texts detected in
    their language, since Arabic-script and Latin-script words are shared across languages
    (Persian "کم" means "little", Arabic "كم" "how much").

Matching runs on folded text (:func:`settlescope.text.normalize.fold`): case and Latin accents
do not matter (``como`` and ``cómo`` both count). Only the ``q-interrogative`` rules use the
detected language; the others apply to every text, since mixed-language posts are common.

Method id :data:`METHOD`, version :data:`VERSION`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from settlescope.text.normalize import fold

METHOD = "question-rules"
VERSION = "2"
FLAG = "question"

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}/\S*", re.IGNORECASE)
_MARK = re.compile(r"[?؟？¿⸮]")

# Asking phrases, anywhere in the text (folded: lower case, no Latin accents, Arabic letter
# variants unified).
_PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("does anyone know", "does anybody know", "does anyone have", "anyone have",
           "any recommendations", "can anyone recommend", "anyone know", "anybody know", "any idea",
           "any ideas", "can someone tell", "can anyone tell", "can anyone help", "can someone help",
           "i was wondering", "just wondering", "wondering if", "any advice", "any suggestions",
           "please advise", "has anyone", "have any of you", "need advice", "looking for advice"),
    "fr": ("quelqu'un sait", "quelqu'un a deja", "quelqu'un peut", "est-ce que", "qu'est-ce que",
           "savez-vous", "pouvez-vous", "avez-vous", "vous savez si", "je me demande",
           "des conseils", "une idee"),
    "es": ("alguien sabe", "alguien me puede", "alguien puede", "alguien ha", "saben si",
           "me pueden decir", "me pueden ayudar", "alguna idea", "algun consejo", "necesito consejo"),
    "tl": ("may nakakaalam", "may alam ba", "sino po ang", "pwede po bang", "pwede bang",
           "puwede bang", "paano po", "saan po", "magkano po", "ano po", "meron po bang",
           "meron bang", "may idea", "patulong po", "pa help po", "pahelp po"),
    "uk": ("хтось знає", "хто знає", "підкажіть", "порадьте", "не підкажете", "чи можна",
           "чи хтось", "хтось може", "кто знает", "подскажите"),
    "ar": ("هل يعرف", "هل يوجد", "هل هناک", "هل من", "حدا بيعرف", "حد يعرف", "مين بيعرف",
           "اريد ان اسال", "عندي سوال", "ممکن حدا", "من يعرف"),
    "fa": ("کسی میدونه", "کسی می دونه", "کسی میداند", "کسی اطلاع داره", "کسی تجربه",
           "سوال داشتم", "یه سوال", "راهنمایی کنید", "میشه راهنمایی", "ممنون میشم راهنمایی"),
    "pa": ("ਕਿਸੇ ਨੂੰ ਪਤਾ", "ਕੋਈ ਦੱਸ ਸਕਦਾ", "ਕੋਈ ਮਦਦ ਕਰ ਸਕਦਾ", "ਕੋਈ ਦੱਸੇ", "ਜਾਣਕਾਰੀ ਦਿਓ",
           "ਦੱਸ ਸਕਦੇ ਹੋ", "ਕੋਈ ਜਾਣਦਾ"),
    "hi": ("किसी को पता", "कोई बता सकता", "कोई बताए", "कोई मदद कर सकता", "बता सकते हैं",
           "जानकारी दें", "कोई जानता"),
    "zh": ("请问", "請問", "有人知道", "谁知道", "誰知道", "求助", "求问", "想问", "想請問",
           "有没有人", "有沒有人", "怎么办", "怎麼辦"),
}  # fmt: skip

# Interrogative words and particles that open a question sentence.
_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("why", "which", "what was", "what were", "what did", "what level", "how do", "how can", "how long", "how much", "how many", "how does", "how is",
           "how are", "how soon", "what is", "what are", "what do", "what does", "what documents",
           "what should", "what can", "what's", "whats", "where do", "where can", "where is",
           "where are", "where should", "who can", "who is", "who has", "who knows", "which is",
           "which one", "which bank", "when do", "when will", "when can", "when is", "when does",
           "is there", "are there", "is it", "is this", "are they", "do i", "do you", "do we",
           "does it", "does the", "did anyone", "did you", "can i", "can we", "can you",
           "can someone", "could i", "could you", "could someone", "should i", "should we",
           "would it", "will i", "will it", "am i", "has anyone", "have you", "anyone"),
    "fr": ("comment", "pourquoi", "combien", "ou est", "ou puis-je", "ou trouver", "ou faire",
           "ou aller", "quel", "quelle", "quels", "quelles", "quel est",
           "quelle est", "quels sont", "quelles sont", "qui peut", "qui sait", "puis-je",
           "peut-on", "dois-je", "faut-il", "y a-t-il", "est-il", "sont-ils", "avez-vous",
           "savez-vous", "pouvez-vous"),
    "es": ("por que", "quien sabe", "cual es", "cuales son", "se puede", "hay alguien",
           "cuanto tiempo", "cuanto cuesta", "cuantos dias", "donde puedo", "donde se",
           "como puedo", "como se", "como hago", "que documentos", "que necesito"),
    "tl": ("ano", "anong", "paano", "paanong", "saan", "saang", "kailan", "bakit", "sino",
           "magkano", "ilan", "ilang", "alin", "gaano", "gaanong", "pwede ba", "puwede ba",
           "meron ba"),
    "uk": ("чи", "хто", "що робити", "що потрібно", "як", "де", "коли можна", "коли буде",
           "чому", "скільки", "куди", "звідки", "навіщо", "можна", "який", "яка", "яке", "які"),
    "ar": ("هل", "ما هو", "ما هي", "ماذا", "كيف", "متى", "لماذا", "ليش", "امتى", "وين", "بكم",
           "كم مدة", "كم يستغرق", "كم عدد"),
    "fa": ("ایا", "چطور", "چطوری", "چگونه", "کجا", "چرا", "کی", "چی", "چند", "چقدر", "کدام",
           "کدوم", "مگه"),
    "pa": ("ਕੀ", "ਕਿਵੇਂ", "ਕਿੱਥੇ", "ਕਿਥੇ", "ਕਦੋਂ", "ਕਿਉਂ", "ਕਿੰਨਾ", "ਕਿੰਨੇ", "ਕਿੰਨੀ", "ਕਿਹੜਾ",
           "ਕਿਹੜੇ", "ਕਿਹੜੀ", "ਕੌਣ"),
    "hi": ("क्या", "कैसे", "कहाँ", "कहां", "कब", "क्यों", "कितना", "कितने", "कितनी", "कौन",
           "कौनसा", "कौनसी", "किसे"),
}  # fmt: skip

# Question words that stand where the answer goes, anywhere in a sentence.
_ANYWHERE: dict[str, tuple[str, ...]] = {
    "pa": ("ਕਿਵੇਂ", "ਕਿੱਥੇ", "ਕਿਥੇ", "ਕਦੋਂ", "ਕਿਉਂ", "ਕਿੰਨਾ", "ਕਿੰਨੇ", "ਕਿੰਨੀ", "ਕਿਹੜਾ", "ਕਿਹੜੇ",
           "ਕਿਹੜੀ", "ਕੌਣ", "ਜਾਂ ਨਹੀਂ"),
    "hi": ("कैसे", "कहाँ", "कहां", "कब", "क्यों", "कितना", "कितने", "कितनी", "कौन", "कौनसा",
           "कौनसी", "किस", "या नहीं"),
    "fa": ("چطور", "چطوری", "چگونه", "کجا", "چرا", "کدوم", "کدام", "ایا", "چقدر", "چی"),
    "ar": ("هل", "كم", "كيف", "متى", "لماذا", "ماذا", "اين", "وين", "عندي سؤال"),
    "tl": ("ba", "bang", "kaya ba"),
    "fr": ("combien", "est-ce", "quoi faire"),
    "uk": ("скільки", "чи", "навіщо", "чому"),
}  # fmt: skip
# Scripts of one language only: their words apply whatever language was detected.
_SCRIPT_OWN = {"pa", "hi"}

# Chinese: sentence-final particles and A-not-A forms.
_ZH_FINAL = re.compile(r"[吗嗎呢][\s。.!！…~～]*(?:$|[，,。\n])")
_ZH_ANOTA = re.compile(
    r"([\u4e00-\u9fff])[不没沒]\1|可不可以|怎么|怎麼|多久|多少|哪里|哪裡|哪儿|哪家|哪个|哪個|哪些|"
    r"什么|什麼|为什么|為什麼|是否|几个|幾個|多长时间"
)

# Sentence starts: the text start, or after . ! … : ; newline (the folded text keeps them).
_SENT_SPLIT = re.compile(r"(?:^|[.!…:;\n।॥。！]+)\s*")


def _phrase_re() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for lang, phrases in _PHRASES.items():
        alts = "|".join(re.escape(fold(p)) for p in sorted(phrases, key=len, reverse=True))
        if lang == "zh":
            out.append((lang, re.compile(f"(?:{alts})")))
        else:
            out.append(
                (lang, re.compile(rf"(?<![\w\u0900-\u0a7f])(?:{alts})(?![\w\u0900-\u0a7f])"))
            )
    return out


def _word_re() -> list[tuple[str, re.Pattern[str]]]:
    out = []
    for lang, words in _WORDS.items():
        alts = "|".join(re.escape(fold(w).strip()) for w in sorted(words, key=len, reverse=True))
        # the word starts a sentence, possibly after a greeting ("Hi all, how ...") or "so"
        out.append(
            (
                lang,
                re.compile(
                    rf"(?:^|[.!…:;\n।॥,،]\s*)(?:(?:hi|hello|hey|salam|سلام|bonjour|hola|привіт|"
                    rf"so|and|et|y|po)\W*\s*)?"
                    rf"(?:{alts})(?![\w\u0900-\u0a7f])"
                ),
            )
        )
    return out


def _anywhere_re() -> dict[str, re.Pattern[str]]:
    out = {}
    for lang, words in _ANYWHERE.items():
        alts = "|".join(re.escape(fold(w)) for w in sorted(words, key=len, reverse=True))
        out[lang] = re.compile(rf"(?<![\w\u0900-\u0a7f])(?:{alts})(?![\w\u0900-\u0a7f])")
    return out


_PHRASE_RES = _phrase_re()
_WORD_RES = _word_re()
_ANYWHERE_RES = _anywhere_re()


@dataclass(frozen=True, slots=True)
class QuestionHit:
    """Why a text reads as a question: the rule that fired and the words that made it fire."""

    rule_id: str
    evidence: str


def detect_question(text: str | None, language: str | None = None) -> QuestionHit | None:
    """The first question rule that fires on ``text`` (in ``language``, if known), or ``None``.

    Example
    -------
    >>> detect_question("Does anyone know how long the PR card takes").rule_id
    'q-phrase-en'
    >>> detect_question("请问大家枫叶卡现在要等多久？").rule_id
    'q-mark'
    >>> detect_question("Thanks, that helped!") is None
    True
    """
    if not text:
        return None
    t = _URL.sub(" ", text)
    m = _MARK.search(t)
    if m:
        lo = max(0, m.start() - 40)
        return QuestionHit("q-mark", t[lo : m.end()].strip())
    f = fold(t)
    for lang, rx in _PHRASE_RES:
        m = rx.search(f)
        if m:
            return QuestionHit(f"q-phrase-{lang}", m.group(0).strip())
    m = _ZH_FINAL.search(f)
    if m:
        lo = max(0, m.start() - 12)
        return QuestionHit("q-particle-zh", f[lo : m.start() + 1].strip())
    m = _ZH_ANOTA.search(f)
    if m:
        return QuestionHit("q-particle-zh", m.group(0))
    for lang, rx in _WORD_RES:
        m = rx.search(f)
        if m:
            return QuestionHit(f"q-word-{lang}", m.group(0).strip(" .!:;,\n"))
    for lang, rx in _ANYWHERE_RES.items():
        if lang in _SCRIPT_OWN or lang == language:
            m = rx.search(f)
            if m:
                return QuestionHit(f"q-interrogative-{lang}", m.group(0))
    return None


def is_question(text: str | None, language: str | None = None) -> bool:
    """Whether ``text`` reads as a question (see :func:`detect_question`)."""
    return detect_question(text, language) is not None
