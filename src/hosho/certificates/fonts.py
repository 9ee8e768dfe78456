"""The certificate's fonts: IPAexGothic first, and per glyph a fallback font that has the character.

IPAexGothic lacks some characters found in Japanese names and addresses (𠮷 of 𠮷野町, …) and every emoji. Each
character is looked up in the fonts' cmaps in order; a run of characters the main font lacks is set in the first
fallback font that has all of them. Fallbacks are TrueType fonts reportlab can embed (it cannot embed PostScript
outlines, so Debian's Noto CJK fonts, OpenType/CFF, are not usable here):

- IPAmj明朝 (fonts-ipamj-mincho): the 58,000 kanji of the 文字情報基盤 used for names in family registers,
  JIS X 0213 included, plane 2 included;
- Symbola (fonts-symbola): monochrome emoji and symbols (a colour emoji font is a bitmap font: not embeddable).

A character no font has is printed as 〓 (geta, the printers' mark for a missing character) and the certificate says
so. A kanji with a variation selector (葛󠄂, 邊󠄏: the 異体字 of names in the family register) is drawn with the variant
glyph of the first font whose cmap (format 14) has the sequence; otherwise the base character is drawn, and the
selector, like the zero-width joiner and other characters with no glyph of their own, is left out.

reportlab writes the ToUnicode map of a font subset with one hex code per character, which is wrong for characters
beyond U+FFFF (PDF wants UTF-16BE, a surrogate pair): text extraction then lost 𠮷 and 😀. The font class here
writes the pair. reportlab draws by character, not by glyph: a variant glyph is given a private-use code point of its
own in that font (as reportlab's own shaping does), which the ToUnicode map turns back into base and selector.
"""

from __future__ import annotations

import os
import struct
import threading
import unicodedata
import zlib
from collections.abc import Iterator, Mapping, Sequence
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
# Variant glyphs are drawn as code points of the Supplementary Private Use Area-A, allocated in use.
PRIVATE_USE_START = 0xF0000
_allocating = threading.Lock()
# No glyph of their own: they modify the character before them (異体字セレクタ, emoji presentation, ZWJ sequences).
_INVISIBLE_CATEGORIES = frozenset({"Mn", "Cf"})


class CertificateFontError(RuntimeError):
    """No usable Japanese font: the message names the package to install and the variable to set."""


def is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


class _Utf16ToUnicodeTTFont(TTFont):  # type: ignore[misc]
    """A TTFont whose subsets' ToUnicode maps name characters beyond U+FFFF by their UTF-16 surrogate pair, and
    private-use codes standing for variant glyphs by the variation sequence they draw."""

    def __init__(self, name: str, path: str) -> None:
        super().__init__(name, path)
        self.sequences: dict[int, str] = {}  # private-use code -> base + variation selector
        self.variant_codes: dict[str, int] = {}  # base + variation selector -> private-use code

    def variant(self, sequence: str, glyph: int) -> str:
        """The code point that draws glyph for sequence in this font, allocated on first use."""
        code = self.variant_codes.get(sequence)
        if code is None:
            with _allocating:
                code = self.variant_codes.get(sequence)
                if code is None:
                    face = self.face
                    code = max(self.sequences, default=PRIVATE_USE_START - 1) + 1
                    while code in face.charToGlyph:
                        code += 1
                    face.charToGlyph[code] = glyph
                    face.glyphToChar.setdefault(glyph, []).append(code)
                    face.charWidths[code] = face._pdfScale(_advance_width(face, glyph))
                    self.sequences[code] = sequence
                    self.variant_codes[sequence] = code
        return chr(code)

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
            stream.content = _to_unicode_cmap(font.BaseFont, subset, self.sequences)


def _to_unicode_cmap(font_name: str, subset: Sequence[int], sequences: Mapping[int, str]) -> str:
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
        lines += [
            f"<{start + i:02X}> <{sequences.get(code, chr(code)).encode('utf-16-be').hex().upper()}>"
            for i, code in enumerate(chunk)
        ]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class FontChain:
    """The registered main font and its fallbacks, each with the characters it has."""

    main: str
    main_chars: frozenset[int]
    fallbacks: tuple[tuple[str, frozenset[int]], ...]
    # Per font, in the chain's order: its variation sequences (base, selector) -> glyph.
    variants: tuple[tuple[_Utf16ToUnicodeTTFont, Mapping[tuple[int, int], int]], ...] = ()
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

    def variant(self, base: str, selector: str) -> tuple[str, str] | None:
        """(font, code point) drawing the variant glyph of base + selector, from the first font that has it."""
        key = (ord(base), ord(selector))
        for font, sequences in self.variants:
            glyph = sequences.get(key)
            if glyph is not None:
                return str(font.fontName), font.variant(base + selector, glyph)
        return None

    def runs(self, text: str) -> Iterator[tuple[str | None, str]]:
        """(font, characters) runs: None for characters no font has, each printed as MISSING_GLYPH."""
        font: str | None = self.main
        run: list[str] = []
        drawn_with_previous = False  # a selector whose variant glyph was drawn for the character before it
        for index, char in enumerate(text):
            if drawn_with_previous:
                drawn_with_previous = False
                continue
            found: str | None
            following = text[index + 1 : index + 2]
            variant = self.variant(char, following) if following and is_variation_selector(following) else None
            if variant is not None:
                (found, char), drawn_with_previous = variant, True
            elif is_variation_selector(char):
                continue  # no font has this variant: the base character is drawn as usual
            else:
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
    variants = [(main, _variation_sequences(main))]
    for path in fallback_paths:
        try:
            font = _register(path)
        except CertificateFontError:
            continue  # a fallback that cannot be embedded is skipped: its characters print as 〓, with the note
        fallbacks.append((str(font.fontName), _chars(font)))
        variants.append((font, _variation_sequences(font)))
    return FontChain(str(main.fontName), _chars(main), tuple(fallbacks), tuple((f, v) for f, v in variants if v))


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


def _advance_width(face: Any, glyph: int) -> int:
    """A glyph's advance width in font units, from hmtx (glyphs past the last metric share its width)."""
    data: bytes = face._ttf_data
    (metrics,) = struct.unpack_from(">H", data, face.table["hhea"]["offset"] + 34)
    (width,) = struct.unpack_from(">H", data, face.table["hmtx"]["offset"] + 4 * min(glyph, metrics - 1))
    return int(width)


def _variation_sequences(font: TTFont) -> dict[tuple[int, int], int]:
    """(base, selector) -> glyph from the font's cmap subtable of format 14 (Unicode variation sequences)."""
    face = font.face
    data: bytes = face._ttf_data
    cmap = face.table["cmap"]["offset"]
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    found: dict[tuple[int, int], int] = {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * index)
        table = cmap + offset
        if (platform, encoding) != (0, 5) or struct.unpack_from(">H", data, table)[0] != 14:
            continue
        (records,) = struct.unpack_from(">I", data, table + 6)
        for record in range(records):
            at = table + 10 + 11 * record
            selector = int.from_bytes(data[at : at + 3], "big")
            default_offset, special_offset = struct.unpack_from(">II", data, at + 3)
            if default_offset:  # ranges of bases drawn with their usual glyph
                (ranges,) = struct.unpack_from(">I", data, table + default_offset)
                for entry in range(ranges):
                    at_range = table + default_offset + 4 + 4 * entry
                    start, extra = int.from_bytes(data[at_range : at_range + 3], "big"), data[at_range + 3]
                    for base in range(start, start + extra + 1):
                        if base in face.charToGlyph:
                            found[(base, selector)] = face.charToGlyph[base]
            if special_offset:  # bases drawn with a glyph of their own
                (mappings,) = struct.unpack_from(">I", data, table + special_offset)
                for entry in range(mappings):
                    at_map = table + special_offset + 4 + 5 * entry
                    base = int.from_bytes(data[at_map : at_map + 3], "big")
                    found[(base, selector)] = struct.unpack_from(">H", data, at_map + 3)[0]
    return found
