"""
The words of WhatsApp exports in many languages, kept as data.

Each table lists what WhatsApp writes in place of a message (media placeholders,
deletion notices, the "edited" marker, system events, day-period markers such as
``PM`` or ``ÖS``, the names of exported chat files). The parser in
`persona_clone.parsers.whatsapp` looks bodies up here; nothing in this module
parses headers.

WhatsApp ships about 60 languages and rewords strings between versions, so the
tables are not exhaustive: an unknown body stays a plain text message.
"""

from __future__ import annotations

import re
from typing import Final


__all__ = [
    "AM_MARKERS",
    "ATTACHED_SUFFIXES",
    "CHAT_FILE_PREFIXES",
    "DELETED_BODIES",
    "DELETED_TEXTS",
    "EDITED_MARKERS",
    "IOS_ATTACHED_PREFIXES",
    "MEDIA_PLACEHOLDERS",
    "MEDIA_TEXTS",
    "PM_MARKERS",
    "SYSTEM_PATTERN",
    "body_key",
    "marker_key",
]

BIDI_MARKS: Final = "\u200e\u200f"
"""Left-to-right and right-to-left marks, which WhatsApp puts around bodies."""

AUTHOR_CONTROLS: Final = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidi controls WhatsApp wraps around phone-number authors; stripped from authors."""


def marker_key(marker: str) -> str:
    """
    Return the comparable form of a day-period marker (``p. m.`` -> ``pm``).

    No-break spaces, bidi marks, spaces and dots are removed and the rest is
    lower-cased.
    """
    return re.sub(r"[\s.\u00a0\u202f\u200e\u200f]", "", marker).lower()


AM_MARKERS: Final = frozenset(
    marker_key(m)
    for m in (
        "AM",
        "a",
        "a.m.",
        "vorm.",
        "fm",
        "vm",
        "de.",
        "오전",
        "上午",
        "午前",
        "ÖÖ",
        "πμ",
        "π.μ.",
        "SA",
        "ص",
        "ق.ظ",
        "पूर्वाह्न",
        "am",
        "ap.",
        "dop.",
        "e.m.",
        "de la mañana",
    )
)
"""Markers of the hours before noon, in `marker_key` form."""

PM_MARKERS: Final = frozenset(
    marker_key(m)
    for m in (
        "PM",
        "p",
        "p.m.",
        "nachm.",
        "em",
        "nm",
        "du.",
        "오후",
        "下午",
        "午後",
        "ÖS",
        "μμ",
        "μ.μ.",
        "CH",
        "م",
        "ب.ظ",
        "अपराह्न",
        "ip.",
        "odp.",
        "i.b.",
        "de la tarde",
    )
)
"""Markers of the hours after noon, in `marker_key` form."""


def body_key(body: str) -> str:
    r"""
    Return the comparable form of a short body.

    Bidi marks, surrounding whitespace and a final period are removed and the
    rest is case-folded, so ``"\\u200eThis message was deleted."`` and
    ``"this message was deleted"`` compare equal.
    """
    return body.strip(" \t\u00a0\u202f" + BIDI_MARKS).rstrip(".").strip().casefold()


MEDIA_TEXTS: Final = (
    # Android, one generic placeholder per language
    "<Media omitted>",
    "<Multimedia omitido>",
    "<Archivo omitido>",
    "<Mídia oculta>",
    "<Arquivo de mídia oculto>",
    "<Mídia omitida>",
    "<Ficheiro não revelado>",
    "<Medien ausgeschlossen>",
    "<Medien weggelassen>",
    "<Médias omis>",
    "<Fichier omis>",
    "<Media omessi>",
    "<Media omesso>",
    "<Medya dahil edilmedi>",
    "<Medya atlanmış>",
    "<Media weggelaten>",
    "<Без медиафайлов>",
    "<Файл пропущен>",
    "<Медиафайл отсутствует>",
    # iOS, one per media type
    "image omitted",
    "video omitted",
    "audio omitted",
    "sticker omitted",
    "GIF omitted",
    "document omitted",
    "Contact card omitted",
    "imagen omitida",
    "video omitido",
    "audio omitido",
    "sticker omitido",
    "GIF omitido",
    "documento omitido",
    "imagem ocultada",
    "vídeo ocultado",
    "áudio ocultado",
    "figurinha omitida",
    "Bild weggelassen",
    "Video weggelassen",
    "Audio weggelassen",
    "Sticker weggelassen",
    "GIF weggelassen",
    "image absente",
    "vidéo absente",
    "audio omis",
    "sticker omis",
    "GIF retiré",
    "document omis",
    "immagine omessa",
    "video omesso",
    "audio omesso",
    "sticker omesso",
    "GIF esclusa",
    "görüntü dahil edilmedi",
    "video dahil edilmedi",
    "ses dahil edilmedi",
    "çıkartma dahil edilmedi",
    "belge dahil edilmedi",
    "afbeelding weggelaten",
    "video weggelaten",
    "audio weggelaten",
    "sticker weggelaten",
    "изображение отсутствует",
    "видео отсутствует",
    "аудиофайл отсутствует",
    # view-once media and some polls on Android
    "null",
)

"""Media placeholders as WhatsApp writes them."""

MEDIA_PLACEHOLDERS: Final = frozenset(body_key(m) for m in MEDIA_TEXTS)
"""Bodies that stand for omitted media, in `body_key` form."""

DELETED_TEXTS: Final = (
    "This message was deleted",
    "You deleted this message",
    "Se eliminó este mensaje.",
    "Este mensaje fue eliminado",
    "Eliminaste este mensaje.",
    "Mensagem apagada",
    "Esta mensagem foi apagada",
    "Você apagou esta mensagem",
    "Diese Nachricht wurde gelöscht.",
    "Du hast diese Nachricht gelöscht.",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
    "Bu mesaj silindi",
    "Bu mesajı sildiniz",
    "Dit bericht is verwijderd",
    "Je hebt dit bericht verwijderd",
    "Данное сообщение удалено",
    "Вы удалили данное сообщение",
)

"""Deletion notices as WhatsApp writes them."""

DELETED_BODIES: Final = frozenset(body_key(m) for m in DELETED_TEXTS)
"""Deletion notices, in `body_key` form."""

EDITED_MARKERS: Final = (
    "<This message was edited>",
    "<Diese Nachricht wurde bearbeitet.>",
    "<Diese Nachricht wurde bearbeitet>",
    "<Se editó este mensaje.>",
    "<Se editó este mensaje>",
    "<Ce message a été modifié>",
    "<Questo messaggio è stato modificato>",
    "<Bu mesaj düzenlendi>",
    "<Dit bericht is bewerkt>",
    "<Mensagem editada>",
    "<Сообщение изменено>",
)
"""Markers ending an edited body (removed; the message gets ``edited=True``)."""

ATTACHED_SUFFIXES: Final = (
    " (file attached)",
    " (Datei angehängt)",
    " (archivo adjunto)",
    " (fichier joint)",
    " (file allegato)",
    " (arquivo anexado)",
    " (dosya ekli)",
    " (bestand bijgevoegd)",
    " (файл добавлен)",
)
"""What Android writes after the name of a file included in the export."""

IOS_ATTACHED_PREFIXES: Final = (
    "<attached: ",
    "<Anhang: ",
    "<adjunto: ",
    "<anexo: ",
    "<pièce jointe : ",
    "<pièce jointe: ",
    "<allegato: ",
    "<eklendi: ",
    "<bijlage: ",
    "<вложение: ",
)
"""What iOS writes before the name of a file included in the export."""

CHAT_FILE_PREFIXES: Final = (
    "whatsapp chat with",
    "whatsapp chat -",
    "whatsapp chat mit",
    "whatsapp-chat mit",
    "chat de whatsapp con",
    "discussion whatsapp avec",
    "chat whatsapp con",
    "conversa do whatsapp com",
    "conversa no whatsapp com",
    "whatsapp sohbeti",
    "whatsapp-chat met",
    "чат whatsapp с",
)
"""Localized beginnings of exported chat file names, lower-cased."""

_X = r".+?"

_SYSTEM: Final = (
    # encryption notices (start of most chats)
    r"^Messages and calls are end-to-end encrypted",
    r"^Messages to this (?:group|chat) are now secured with end-to-end encryption",
    r"^Los mensajes y las llamadas están cifrados de extremo a extremo",
    r"^As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta",
    r"^Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
    r"^Les messages et les appels sont chiffrés de bout en bout",
    r"^I messaggi e le chiamate sono crittografati end-to-end",
    r"^Mesajlar ve aramalar uçtan uca şifrelidir",
    r"^Berichten en oproepen worden end-to-end versleuteld",
    r"^Сообщения и звонки защищены сквозным шифрованием",
    # group created
    rf"^{_X} created (?:the )?group ",
    rf"^{_X} creó el grupo ",
    rf"^{_X} criou o grupo ",
    rf"^{_X} hat die Gruppe .+ erstellt",
    rf"^{_X} a créé le groupe ",
    rf"^{_X} ha creato il gruppo ",
    rf"^{_X} grubunu oluşturdu",
    rf"^{_X} heeft groep .+ aangemaakt",
    rf"^{_X} создал\(а\) группу ",
    r"^Bu grubu oluşturdunuz",
    # added, joined, left, removed
    rf"^{_X} added {_X}$",
    rf"^{_X} añadió a ",
    rf"^{_X} adicionou ",
    rf"^{_X} hat {_X} hinzugefügt",
    rf"^{_X} a ajouté ",
    rf"^{_X} ha aggiunto ",
    rf"^{_X}, {_X} kişisini ekledi",
    rf"^{_X} heeft {_X} toegevoegd",
    rf"^{_X} добавил\(а\) ",
    r"^You were added$",
    r"joined using this group's invite link$",
    r"se unió usando el enlace de invitación de este grupo$",
    r"entrou usando o link de convite deste grupo$",
    r"ist über den Einladungslink dieser Gruppe beigetreten",
    r"a rejoint ce groupe via le lien d'invitation$",
    r"si è unito tramite il link d'invito a questo gruppo$",
    r"bu grubun davet bağlantısıyla katıldı$",
    r"neemt deel via de uitnodigingslink van deze groep$",
    r"присоединился\(-ась\) к группе по ссылке-приглашению$",
    rf"^{_X} (?:left|joined)$",
    rf"^{_X} removed {_X}$",
    rf"^{_X} salió del grupo$",
    rf"^{_X} eliminó a ",
    rf"^{_X} saiu$",
    rf"^{_X} removeu ",
    rf"^{_X} hat die Gruppe verlassen",
    rf"^{_X} hat {_X} entfernt",
    rf"^{_X} est parti$",
    rf"^{_X} a retiré ",
    rf"^{_X} è uscito$",
    rf"^{_X} ha rimosso ",
    rf"^{_X} ayrıldı$",
    rf"^{_X}, {_X} kişisini çıkardı",
    rf"^{_X} heeft de groep verlaten$",
    rf"^{_X} heeft {_X} verwijderd$",
    rf"^{_X} покинул\(а\) группу",
    rf"^{_X} удалил\(а\) ",
    # subject, icon, description, settings
    (
        rf"^{_X} changed (?:the subject|the group name|this group's icon"
        r"|the group photo"
        r"|the group description|this group's settings|the group settings"
        r"|their phone number|to )"
    ),
    rf"^{_X} (?:deleted|removed) this group's icon",
    rf"^{_X} pinned a message$",
    rf"^{_X} cambió (?:el asunto|el ícono|el icono|la descripción)",
    rf"^{_X} mudou (?:o assunto|a imagem|a descrição)",
    rf"^{_X} hat (?:den Betreff|das Gruppenbild|die Gruppenbeschreibung) ",
    rf"^{_X} a (?:modifié le sujet|changé l'icône|modifié la description)",
    rf"^{_X} ha cambiato (?:l'oggetto|l'immagine|la descrizione)",
    rf"^{_X} (?:konuyu|bu grubun simgesini|grup açıklamasını) ",
    rf"^{_X} heeft (?:het onderwerp|het groepsicoon|de groepsbeschrijving) ",
    rf"^{_X} изменил\(а\) (?:тему|изображение|описание)",
    # security code
    r"^Your security code with .+ changed",
    r"^Cambió tu código de seguridad con ",
    r"^Seu código de segurança com .+ mudou",
    r"^Deine Sicherheitsnummer für .+ hat sich geändert",
    r"^Votre code de sécurité avec .+ a changé",
    r"^Il tuo codice di sicurezza con .+ è cambiato",
    r" ile güvenlik kodunuz değişti",
    r"^Je beveiligingscode met .+ is gewijzigd",
    r"^Ваш код безопасности для .+ изменился",
    # disappearing messages
    r"(?:turned on|turned off) disappearing messages",
    r"(?:activó|desactivó) los mensajes temporales",
    r"(?:ativou|desativou) as mensagens temporárias",
    r"hat selbstlöschende Nachrichten (?:aktiviert|deaktiviert)",
    r"a (?:activé|désactivé) les messages éphémères",
    r"ha (?:attivato|disattivato) i messaggi effimeri",
    r"süreli mesajları (?:açtı|kapattı)",
    r"heeft verdwijnende berichten (?:ingeschakeld|uitgeschakeld)",
    r"(?:включил|выключил)\(а\) исчезающие сообщения",
    # calls shown as events
    r"^Missed (?:voice|video|group voice|group video) call",
    r"^(?:Llamada|Videollamada) perdida",
    r"^Chamada de (?:voz|vídeo) perdida",
    r"^Verpasster (?:Sprachanruf|Videoanruf)",
    r"^Appel (?:vocal|vidéo) manqué",
    r"^(?:Chiamata vocale|Videochiamata) persa",
    r"^Cevapsız (?:sesli|görüntülü) arama",
    r"^Gemiste (?:spraakoproep|video-oproep)",
    r"^Пропущенный (?:аудиозвонок|видеозвонок)",
    r"^This chat is with a business account",
    r"^This business (?:is now using|works with)",
)

SYSTEM_PATTERN: Final = re.compile("|".join(f"(?:{p})" for p in _SYSTEM), re.IGNORECASE)
"""Matches a system event's text (bidi marks stripped), in any language above."""
