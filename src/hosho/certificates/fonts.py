"""The certificate's fonts: IPAexGothic first, and per glyph a fallback font that has the character.

IPAexGothic lacks some characters found in Japanese names and addresses (𠮷 of 𠮷野町, …) and every emoji. Each
character is looked up in the fonts' cmaps in order; a run of characters the main font lacks is set in the first
fallback font that has all of them. Fallbacks are TrueType fonts reportlab can embed (it cannot embed PostScript
outlines, so Debian's Noto CJK fonts, OpenType/CFF, are not usable here):

- IPAmj明朝 (fonts-ipamj-mincho): the 58,000 kanji of the 文字情報基盤 used for names in family registers,
  JIS X 0213 included, plane 2 included;
- Symbola (fonts-symbola): monochrome emoji and symbols (a colour emoji font is a bitmap font: not embeddable).

A character no font has is printed as 〓 (geta, the printers' mark for a missing character) and the certificate says
so. Characters with no glyph of their own (variation selectors, zero-width joiners) are left out of the drawing.

reportlab writes the ToUnicode map of a font subset with one hex code per character, which is wrong for characters
beyond U+FFFF (PDF wants UTF-16BE, a surrogate pair): text extraction then lost 𠮷 and 😀. The font class here
writes the pair.
"""

from __future__ import annotations

import os
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFError, TTFont  # type: ignore[import-untyped]

FONT_ENV = "HOSHO_CERT_FONT"
FALLBACK_FONTS_ENV = "HOSHO_CERT_FALLBACK_FONTS"  # paths separated by os.pathsep; empty: no fallback
DEFAULT_FONT = Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")
FONT_PACKAGE = "fonts-ipaexfont-gothic"
DEFAULT_FALLBACKS = (
    Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),  # fonts-ipamj-mincho
    Path("/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"),  # fonts-symbola
)
FALLBACK_PACKAGES = "fonts-ipamj-mincho fonts-symbola"
MISSING_GLYPH = "〓"
MARKUP_CACHE_SIZE = 4096
# No glyph of their own: they modify the character before them (異体字セレクタ, emoji presentation, ZWJ sequences).
_INVISIBLE_CATEGORIES = frozenset({"Mn", "Cf"})


class CertificateFontError(RuntimeError):
    """No usable Japanese font: the message names the package to install and the variable to set."""


class _Utf16ToUnicodeTTFont(TTFont):  # type: ignore[misc]
    """A TTFont whose subsets' ToUnicode maps name characters beyond U+FFFF by their UTF-16 surrogate pair."""

    def addObjects(self, doc: Any) -> None:  # reportlab's name
        state = self.state.get(doc)
        # The parent forgets the document's subsets once it has written them: note the ones to rewrite first.
        wide = [
            (self.getSubsetInternalName(index, doc)[1:], list(subset))
            for index, subset in enumerate(state.subsets if state is not None else ())
            if any(code > 0xFFFF for code in subset)
        ]
        super().addObjects(doc)
        for internal_name, subset in wide:
            font = doc.idToObject[internal_name]
            stream = doc.idToObject[f"toUnicodeCMap:{font.BaseFont}"]
            stream.content = _to_unicode_cmap(font.BaseFont, subset)


def _to_unicode_cmap(font_name: str, subset: Sequence[int]) -> str:
    """The ToUnicode CMap of one subset (single-byte codes), destinations in UTF-16BE as the PDF reference says."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo << /Registry ({font_name}) /Ordering ({font_name}) /Supplement 0 >> def",
        f"/CMapName /{font_name} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
    ]
    # A bfchar block holds at most 100 entries.
    for start in range(0, len(subset), 100):
        chunk = subset[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{start + i:02X}> <{chr(code).encode('utf-16-be').hex().upper()}>" for i, code in enumerate(chunk)]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class FontChain:
    """The registered main font and its fallbacks, each with the characters it has."""

    main: str
    main_chars: frozenset[int]
    fallbacks: tuple[tuple[str, frozenset[int]], ...]
    # The terms' texts come back with every certificate: each is marked up once.
    _markups: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def font_for(self, char: str) -> str | None:
        code = ord(char)
        if code in self.main_chars:
            return self.main
        for name, chars in self.fallbacks:
            if code in chars:
                return name
        return None

    def runs(self, text: str) -> Iterator[tuple[str | None, str]]:
        """(font, characters) runs: None for characters no font has, each printed as MISSING_GLYPH."""
        font: str | None = self.main
        run: list[str] = []
        for char in text:
            found = font if char.isspace() and font is not None else self.font_for(char)
            if found is None and unicodedata.category(char) in _INVISIBLE_CATEGORIES:
                continue
            if found != font and run:
                yield font, "".join(run)
                run = []
            font = found
            run.append(MISSING_GLYPH if found is None else char)
        if run:
            yield font, "".join(run)

    def missing(self, text: str) -> bool:
        """Whether some visible character of text is in no font (printed as MISSING_GLYPH)."""
        return any(font is None for font, _ in self.runs(text))

    def markup(self, text: str) -> str:
        """Paragraph markup of text, escaped, with each run not in the main font in its fallback's <font> tag."""
        found = self._markups.get(text)
        if found is None:
            if len(self._markups) >= MARKUP_CACHE_SIZE:
                self._markups.clear()
            found = self._markups[text] = "".join(
                f'<font face="{font}">{escape(run)}</font>' if font not in (None, self.main) else escape(run)
                for font, run in self.runs(text)
            )
        return found


def escape(text: str) -> str:
    """Paragraph reads a little XML: data must not be taken for markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def find_font() -> Path:
    """The font file to embed: HOSHO_CERT_FONT if set, else Debian's IPAexGothic."""
    configured = os.environ.get(FONT_ENV)
    path = Path(configured) if configured else DEFAULT_FONT
    if not path.is_file():
        origin = f"{FONT_ENV}={configured}" if configured else "the default path"
        raise CertificateFontError(
            f"No Japanese font for the certificate at {path} ({origin}). Install the Debian package "
            f"{FONT_PACKAGE} (scripts/setup does so when run as root: apt-get install {FONT_PACKAGE}) "
            f"or set {FONT_ENV} to a TrueType font with Japanese glyphs."
        )
    return path


def find_fallbacks() -> tuple[Path, ...]:
    """The fallback fonts that exist: HOSHO_CERT_FALLBACK_FONTS if set, else Debian's IPAmj明朝 and Symbola."""
    configured = os.environ.get(FALLBACK_FONTS_ENV)
    paths = tuple(Path(p) for p in configured.split(os.pathsep) if p) if configured is not None else DEFAULT_FALLBACKS
    return tuple(path for path in paths if path.is_file())


def font_chain() -> FontChain:
    """The fonts the configuration names (read on every call: tests and operators may change it)."""
    return _chain(find_font(), find_fallbacks())


@cache
def _chain(main_path: Path, fallback_paths: tuple[Path, ...]) -> FontChain:
    main = _register(main_path)
    if ord("保") not in main.face.charToGlyph:
        raise CertificateFontError(
            f"{main.face.filename} has no Japanese glyphs; install {FONT_PACKAGE} or set {FONT_ENV} to a Japanese "
            "TrueType font"
        )
    fallbacks = []
    for path in fallback_paths:
        try:
            font = _register(path)
        except CertificateFontError:
            continue  # a fallback that cannot be embedded is skipped: its characters print as 〓, with the note
        fallbacks.append((str(font.fontName), _chars(font)))
    return FontChain(str(main.fontName), _chars(main), tuple(fallbacks))


@cache
def _register(path: Path) -> TTFont:
    """Register a font with reportlab once per file."""
    try:
        # The name is reportlab's key only (the PDF names the font by its own PostScript name); the path's CRC
        # keeps two files of the same stem apart.
        font = _Utf16ToUnicodeTTFont(f"HoshoCert-{path.stem}-{zlib.crc32(str(path).encode()):08x}", str(path))
    except (TTFError, OSError) as error:
        raise CertificateFontError(
            f"{path} cannot be embedded ({error}); use IPAexGothic from {FONT_PACKAGE} or another TrueType font"
        ) from error
    pdfmetrics.registerFont(font)
    return font


@cache
def _chars(font: TTFont) -> frozenset[int]:
    return frozenset(font.face.charToGlyph)
