"""The character tables text normalisation reads (normalize.py): invisible code points, letters that
look like Latin ones, and the leetspeak digits and symbols."""

from __future__ import annotations

INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # arabic letter mark
    (0x115F, 0x1160),  # hangul fillers
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),  # mongolian selectors and vowel separator
    (0x200B, 0x200F),  # zero-width space/joiners, LRM/RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFEFF, 0xFEFF),  # byte order mark
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0xE0000, 0xE0FFF),  # tag characters: used to smuggle invisible instructions
)

# Look-alikes folded to Latin. Upper and lower case are listed separately because some differ
# (Greek capital eta looks like H, small eta like n). Cyrillic, Greek, Armenian, Latin extensions.
LOOKALIKES: dict[str, str] = {
    "a": "\u0430\u0410\u03b1\u0391\u0251",  # cyrillic, greek, latin
    "b": "\u0432\u0412\u042c\u03b2\u0392",  # cyrillic, greek
    "c": "\u0441\u0421\u03f2\u03f9",  # cyrillic, greek
    "d": "\u0501",  # cyrillic
    "e": "\u0435\u0415\u0451\u0401\u03b5\u0395",  # cyrillic, greek
    "g": "\u0261",  # latin
    "h": "\u04bb\u04ba\u043d\u041d\u0397\u0570",  # armenian, cyrillic, greek
    "i": "\u0456\u0406\u0457\u0407\u03b9\u0399\u0131",  # cyrillic, greek, latin
    "j": "\u0458\u0408\u03f3\u0237",  # cyrillic, greek, latin
    "k": "\u043a\u041a\u03ba\u039a",  # cyrillic, greek
    "l": "\u04cf\u04c0\u01c0",  # cyrillic, latin
    "m": "\u043c\u041c\u039c",  # cyrillic, greek
    "n": "\u03b7\u039d\u0578",  # armenian, greek
    "o": "\u043e\u041e\u03bf\u039f\u0585",  # armenian, cyrillic, greek
    "p": "\u0440\u0420\u03c1\u03a1",  # cyrillic, greek
    "q": "\u051b\u0566",  # armenian, cyrillic
    "s": "\u0455\u0405",  # cyrillic
    "t": "\u0442\u0422\u03c4\u03a4",  # cyrillic, greek
    "u": "\u03bc\u03c5\u057d",  # armenian, greek
    "v": "\u03bd",  # greek
    "w": "\u051c\u051d\u03c9",  # cyrillic, greek
    "x": "\u0445\u0425\u03c7\u03a7",  # cyrillic, greek
    "y": "\u0443\u0423\u03a5\u03b3",  # cyrillic, greek
    "z": "\u0396",  # greek
}
HOMOGLYPHS: dict[str, str] = {look: latin for latin, looks in LOOKALIKES.items() for look in looks}

LEET: dict[str, str] = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "@": "a",
    "$": "s",
}
