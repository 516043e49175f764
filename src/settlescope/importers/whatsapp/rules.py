"""What a WhatsApp message is: plain, media, deleted, a system notice or a membership event.

These rules read one header line's rest (and the message's other lines) at a time:
:func:`classify` for the messages that are not a plain ``Name: text``, and
:func:`membership_events` for joins and leaves. The chat's id comes from the file name
(:func:`chat_slug`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
NO_MARKS = str.maketrans({**{c: None for c in MARKS}, "\u00a0": " ", "\u202f": " "})

MEDIA_OMITTED = frozenset(
    {
        "<Media omitted>",
        "<media omitted>",
        "<Média vynechány>",
        "<Media weggelaten>",
        "<Без медиафайлов>",
        "<Medien ausgeschlossen>",
        "<Médias omis>",
        "<Multimedia omitido>",
        "<Mídia oculta>",
        "<Arquivo de mídia oculto>",
        "<Media omessi>",
        "<Medya dahil edilmedi>",
        "<Media tidak disertakan>",
        "<Медіафайли пропущено>",
        "<تم استبعاد الوسائط>",
    }
)
DELETED = frozenset(
    v
    for s in (
        "This message was deleted",
        "You deleted this message",
        "Tato zpráva byla odstraněna.",
        "Tuto zprávu jste odstranil/a.",
        "Dit bericht is verwijderd",
        "U hebt dit bericht verwijderd",
        "Данное сообщение удалено.",
        "Вы удалили данное сообщение.",
        "Ce message a été supprimé.",
        "Vous avez supprimé ce message.",
        "Diese Nachricht wurde gelöscht.",
        "Du hast diese Nachricht gelöscht.",
        "Esta mensagem foi apagada.",
        "Apagou esta mensagem.",
        "Esta mensagem foi eliminada.",
        "Se eliminó este mensaje.",
        "Eliminaste este mensaje.",
        "Це повідомлення було видалено.",
        "Ви видалили це повідомлення.",
        "यह मैसेज डिलीट कर दिया गया है.",
        "आपने यह मैसेज डिलीट किया.",
        "Pesan ini dihapus.",
        "Anda menghapus pesan ini.",
        "Tin nhắn này đã bị xóa.",
        "Bạn đã xoá tin nhắn này.",
        "Tin nhắn này đã bị xoá.",
        "تم حذف هذه الرسالة.",
        "لقد حذَفت هذه الرسالة.",
        "أنت حذفت هذه الرسالة.",
    )
    for v in (s.rstrip("."), s.rstrip(".") + ".")
)
_ATTACHED = re.compile(
    r"^(.+?\.\w{1,6}) \((?:file attached|bestand bijgevoegd|soubor byl přiložen|файл добавлен|"
    r"файл додано|Datei angehängt|fichier joint|archivo adjunto|arquivo anexado|"
    r"ficheiro anexado|file allegato|dosya ekli|file terlampir)\)$"
)
# System notices that WhatsApp writes under a name (the chat's) on Android.
_NOTICE = re.compile(
    "end-to-end|Ende-zu-Ende|de bout en bout|de extremo a extremo|ponta a ponta|ponto a ponto|"
    "сквозным шифрованием|наскрізним|koncovým šifrováním|terenkripsi|mã hóa đầu cuối|"
    "security code|Sicherheitsnummer|code de sécurité|código de seguridad|código de segurança"
)
# Group notices that iOS writes under the group's name, with a direction mark.
_GROUP_EVENT = re.compile(
    r" created group | changed the subject | changed this group's icon| deleted this group's icon"
    r"| changed the group description| changed the settings| changed their phone number"
    r"| pinned a message| turned (?:on|off) disappearing messages"
)
_YOU = frozenset({"you", "You", "Du", "dich", "vous", "Vous", "te", "ti", "você", "Você"})
_EVENTS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p), w)
    for p, w in (
        (
            r"^(?:You|Du|Vous|Tú|Você) (?:were added|wurdest hinzugefügt|avez été ajouté|fuiste añadido|foi adicionado)$",
            10,
        ),
        (
            r"^(?:You|Du|Vous) (?:joined using this group's invite link|joined|left|were removed)$",
            0,
        ),
        (r"^(?P<a>.+?) added (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) joined using this (?:group|community)'s invite link$", 1),
        (r"^(?P<b>.+?) joined$", 1),
        (r"^(?P<b>.+?) left$", -1),
        (r"^(?P<a>.+?) removed (?P<b>.+)$", -1),
        (r"^(?P<a>.+?) hat (?P<b>.+?) hinzugefügt$", 1),
        (r"^(?P<b>.+?) ist (?:über den Einladungslink dieser Gruppe )?beigetreten$", 1),
        (r"^(?P<b>.+?) hat die Gruppe verlassen$", -1),
        (r"^(?P<a>.+?) hat (?P<b>.+?) entfernt$", -1),
        (r"^(?P<a>.+?) a ajouté (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) a rejoint .+$", 1),
        (r"^(?P<b>.+?) est parti(?:e)?$", -1),
        (r"^(?P<a>.+?) a retiré (?P<b>.+)$", -1),
        (r"^(?P<a>.+?) añadió a (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) se unió usando el enlace de invitación de este grupo$", 1),
        (r"^(?P<b>.+?) salió del grupo$", -1),
        (r"^(?P<a>.+?) eliminó a (?P<b>.+)$", -1),
        (r"^(?P<a>.+?) adicionou (?P<b>.+)$", 1),
        (r"^(?P<b>.+?) entrou usando o link de convite deste grupo$", 1),
        (r"^(?P<b>.+?) saiu$", -1),
        (r"^(?P<a>.+?) removeu (?P<b>.+)$", -1),
    )
)
_AND = re.compile(r", | and | und | et | y | e ")


def membership_events(text: str) -> list[tuple[str, int]]:
    """``[(person, +1 join | -1 leave), ...]`` for a system line, empty if it is not one.

    >>> membership_events("Dmitry S removed +7 999 999-99-99")
    [('+7 999 999-99-99', -1)]
    """
    for rx, w in _EVENTS:
        m = rx.match(text)
        if m is None:
            continue
        if w == 10:
            return [("you", 1)]
        if w == 0:
            return [("you", -1 if (" left" in text or "removed" in text) else 1)]
        names = [n.strip() for n in _AND.split(m.group("b")) if n.strip()]
        return [("you" if n in _YOU else n, w) for n in names]
    return []


def chat_slug(path: Path) -> str:
    """The chat's id from an export's file name (``WhatsApp Chat with X.txt`` → ``x``)."""
    stem = path.stem.replace("\u00a0", " ")
    stem = re.sub(
        r"^(?:WhatsApp Chat with |WhatsApp Chat - |WhatsApp Chat – |WhatsApp-Chat mit |"
        r"Chat de WhatsApp con |Chat WhatsApp s uživatelem |Discussion WhatsApp avec |"
        r"Conversa do WhatsApp com |Чат WhatsApp с |WhatsApp-chat met |WhatsApp Chat met )",
        "",
        stem,
        flags=re.IGNORECASE,
    )
    return re.sub(r"\W+", "-", stem.lower()).strip("-") or "chat"


def classify(
    rest: str,
    cont: list[str] | None,
    lm: str,
    is_known: Callable[[str, int], bool],
    k: int,
) -> tuple[str | None, str, str | None]:
    """``(author, kind, text)`` of a message from the rest of its header line and its other lines."""
    i = rest.find(": ")
    author = None
    if 0 < i <= 100 and rest.find('"', 0, i) < 0 and rest.find("“", 0, i) < 0:
        author, body = rest[:i], rest[i + 2 :]
    elif rest.endswith(":") and 0 < len(rest) <= 101 and '"' not in rest:
        author, body = rest[:-1], ""
    else:
        j = rest.find(":")
        if j > 0 and is_known(rest[:j], k):
            author, body = rest[:j], rest[j + 1 :]
        else:
            body = rest
    kind = "message"
    text: str | None
    if author is None:
        kind, text = "system", body.translate(NO_MARKS).strip()
    elif lm or (body and body[0] in "\u200e\u200f"):
        # iOS marks media, deleted and system lines with a direction mark
        caption = "\n".join(cont) if cont else None
        clean = body.translate(NO_MARKS).strip()
        if lm and (clean in DELETED or clean.rstrip(".") in DELETED):
            kind, text = "deleted", None
        elif (
            lm
            and not cont
            and (membership_events(clean) or _NOTICE.search(clean) or _GROUP_EVENT.search(clean))
        ):
            # iOS writes a group's notices under the group's name, marked like media
            return None, "system", clean
        elif lm or "<attached:" in body:
            kind = "media"
            j = max(body.rfind("\u200e"), body.rfind("\u200f"))
            pre = body[:j].translate(NO_MARKS).strip() if j > 0 else ""
            text = "\n".join(p for p in (pre, caption) if p) or None
        elif _ATTACHED.match(clean):
            kind, text = "media", caption
        elif clean in DELETED:
            kind, text = "deleted", None
        elif "://" in clean:
            text = clean if caption is None else clean + "\n" + caption
        else:
            kind, text = "system", clean
    elif body in MEDIA_OMITTED:
        kind, text = "media", "\n".join(cont) if cont else None
    elif not cont and body in DELETED:
        kind, text = "deleted", None
    elif body.endswith(")") and _ATTACHED.match(body) is not None:
        kind, text = "media", "\n".join(cont) if cont else None
    elif body.endswith(".") and len(body) > 30 and _NOTICE.search(body) is not None:
        kind, text = "system", body
    else:
        text = body if not cont else body + "\n" + "\n".join(cont)
    return author, kind, text
