"""Bytes to clean text: refuse binary data, honour BOMs, guess legacy encodings.

Every reader goes through here so that a PNG renamed to .txt, a UTF-16 export
from Excel and a Windows-1256 Arabic page all behave the same way. Failures are
raised as ``InputError``; readers turn them into yielded values.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from ..errors import InputError

#: Default ``[ingest] max_file_bytes`` (100 MiB); the settings file is the source of truth.
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
LIMIT_HINT = "raise [ingest] max_file_bytes in the configuration, or split the file"
CONVERT_HINT = "convert it to .txt, .html, .jsonl, .json or .csv first"

#: (prefix, offset, name). Checked before anything else: these are never text.
MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "PNG image"),
    (b"\xff\xd8\xff", 0, "JPEG image"),
    (b"GIF87a", 0, "GIF image"),
    (b"GIF89a", 0, "GIF image"),
    (b"WEBP", 8, "WebP image"),
    (b"II*\x00", 0, "TIFF image"),
    (b"MM\x00*", 0, "TIFF image"),
    (b"%PDF-", 0, "PDF document"),
    (b"PK\x03\x04", 0, "ZIP archive"),
    (b"PK\x05\x06", 0, "ZIP archive"),
    (b"PK\x07\x08", 0, "ZIP archive"),
    (b"\x1f\x8b", 0, "GZIP archive"),
    *((b"BZh%d1AY&SY" % level, 0, "BZIP2 archive") for level in range(1, 10)),
    (b"\xfd7zXZ\x00", 0, "XZ archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"\x28\xb5\x2f\xfd", 0, "Zstandard archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "Microsoft Office document"),
    (b"SQLite format 3\x00", 0, "SQLite database"),
    (b"\x7fELF", 0, "ELF executable"),
    (b"PAR1", 0, "Parquet file"),
    (b"\x00asm", 0, "WebAssembly module"),
    (b"ftyp", 4, "MP4 video"),
    (b"OggS", 0, "Ogg media"),
    *((b"ID3" + bytes([version]), 0, "MP3 audio") for version in (2, 3, 4)),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its LE BOM starts with the UTF-16 LE BOM.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Bytes that plain text almost never contains (C0 controls except \t \n \v \f \r ESC).
_CTRL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
SAMPLE = 8192

#: Legacy code pages news sites actually use, most likely first. charset-normalizer
#: often rates Mac or DOS code pages as good as these on short Latin text.
PREFERRED = (
    "cp1252", "cp1256", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1257",
    "cp1258", "cp874", "gb18030", "big5", "shift_jis", "euc_jp", "euc_kr", "cp949",
    "koi8_r", "koi8_u", "iso8859_1", "iso8859_6", "iso8859_15", "iso8859_2", "iso8859_5",
)

# Controls removed from text: C0 (except \t \n), DEL, C1; stray BOMs and invisible
# zero-width characters that only ever appear as scraping noise. ZWNJ/ZWJ carry
# meaning in Persian and emoji and are kept (runs are collapsed to one).
_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_DELETE = (
    [c for c in range(32) if c not in (9, 10)]
    + list(range(0x7F, 0xA0))
    + [0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0xFFFE, 0xFFFF]
)
_TABLE: dict[int, str | None] = dict.fromkeys(_DELETE)
_TABLE.update({ord(c): "\n" for c in _LINE_BREAKS})
_TABLE[ord("\r")] = "\n"
#: for CSV: line separators other than \r and \n stay until the fields are split (the csv module does not
#: quote a field for them, so turning them into \n first would cut the record in two); fields are cleaned later
_TABLE_KEEP_BREAKS: dict[int, str | None] = {c: None for c in _DELETE if chr(c) not in _LINE_BREAKS + "\r"}
_NEEDS_CLEAN = re.compile("[" + re.escape("".join(chr(c) for c in _DELETE) + _LINE_BREAKS + "\r") + "]")
_ZW_RUNS = re.compile("([\u200c\u200d])\\1+")
#: UTF-16 surrogates: in a Python string they are always unpaired (a JSON "\\ud83d" escape from a cut emoji,
#: a file name decoded with surrogateescape) and cannot be encoded as UTF-8, so nothing can store them
_SURROGATES = re.compile("[\ud800-\udfff]")


def sniff_binary(data: bytes) -> str | None:
    """Name the kind of binary data, or None if it may be text.

    Known magic numbers first; then a NUL byte together with many control bytes
    in the first 8 KiB (a few stray NULs in scraped text are cleaned, not refused).
    UTF-16/32 text is recognised by its BOM or byte pattern before this is called.
    """
    for magic, offset, name in MAGIC:
        if data.startswith(magic, offset):
            if name == "WebP image" and not data.startswith(b"RIFF"):
                continue
            return name
    sample = data[:SAMPLE]
    if not sample:
        return None
    ctrl = len(sample) - len(sample.translate(None, _CTRL_BYTES))
    ratio = ctrl / len(sample)
    if (b"\x00" in sample and ratio > 0.05) or ratio > 0.3:
        return "binary data"
    return None


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) when the data starts with a BOM or looks like BOM-less UTF-16."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    sample = data[:SAMPLE]
    if len(sample) >= 4 and sample.count(0) * 3 > len(sample):
        # ASCII-range UTF-16 without a BOM: NULs in every other byte, on one side only.
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 0.4 * len(sample) / 2 and even == 0:
            return "utf-16-le", 0
        if even > 0.4 * len(sample) / 2 and odd == 0:
            return "utf-16-be", 0
    return None


def clean(text: str, keep_line_breaks: bool = False) -> str:
    """Remove control and invisible characters, unify line breaks; keep \\n and \\t.

    ``keep_line_breaks``: leave \\r and the other line separators alone (for CSV, cleaned field by field).
    """
    if keep_line_breaks:
        return text.translate(_TABLE_KEEP_BREAKS) if _NEEDS_CLEAN.search(text) else text
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    if _NEEDS_CLEAN.search(text):
        text = text.translate(_TABLE)
    if "\u200c\u200c" in text or "\u200d\u200d" in text:
        text = _ZW_RUNS.sub(r"\1", text)
    return text


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone UTF-16 surrogate (it would fail to encode as UTF-8 later)."""
    return _SURROGATES.search(text) is not None


def replace_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, as a UTF-8 decoder does with bad bytes."""
    return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


def is_blank(text: str) -> bool:
    """No visible character: only white space and invisible format characters (ZWNJ, ZWJ, bidi marks)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cf", "Cc") for ch in text)


def guess_encoding(data: bytes) -> str | None:
    """Best legacy encoding for non-UTF-8 bytes, preferring common web code pages."""
    try:
        from charset_normalizer import from_bytes

        matches = list(from_bytes(data))
    except Exception:  # a detector bug must not stop the batch
        return None
    if not matches:
        return None
    best = matches[0]
    for name in PREFERRED:
        for m in matches:
            if m.chaos <= best.chaos + 0.05 and name in m.could_be_from_charset:
                return name
    return best.encoding


#: Labels browsers decode as a superset (WHATWG Encoding Standard): pages declaring
#: ISO-8859-1 are really Windows-1252, GB2312 pages are GBK/GB18030, and so on.
_SUPERSETS = {
    "iso8859-1": "cp1252", "ascii": "cp1252", "iso8859-9": "cp1254", "tis-620": "cp874",
    "iso8859-11": "cp874", "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949", "windows-874": "cp874",
}


def normalise_encoding(name: str) -> str | None:
    """Python codec for a declared charset, as a browser reads it ("iso-8859-1" -> "cp1252"), or None."""
    label = name.strip().strip("\"'").lower()
    if label in _SUPERSETS:
        return _SUPERSETS[label]
    try:
        codec = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    return _SUPERSETS.get(codec, codec)


def decode(data: bytes, path: str | Path, declared: str | None = None,
           keep_line_breaks: bool = False) -> tuple[str, str]:
    """Decode and clean a whole file; return (text, encoding). Raises InputError.

    Order: binary check, BOM, strict UTF-8, the charset the file declares (HTML),
    then charset-normalizer. Empty or whitespace-only input is refused.
    """
    if not data.strip():
        raise InputError(str(path), "empty file")
    bom = bom_encoding(data)
    if bom is not None:
        enc, skip = bom
        text = data[skip:].decode(enc, errors="replace")
    else:
        kind = sniff_binary(data)
        if kind is not None:
            raise InputError(str(path), f"binary file ({kind}) given as text", hint=CONVERT_HINT)
        text, enc = _decode_plain(data, path, declared)
    text = clean(text, keep_line_breaks)
    if is_blank(text):
        raise InputError(str(path), "empty file", hint="the file has no text once control characters are removed")
    return text, enc


def _decode_plain(data: bytes, path: str | Path, declared: str | None) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    if declared and (name := normalise_encoding(declared)) and name != "utf-8":
        candidates.append(name)
    if guessed := guess_encoding(data):
        candidates.append(guessed)
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    raise InputError(str(path), "could not detect the text encoding", hint="save the file as UTF-8")


def decode_record(data: bytes, path: str | Path, line: int, encoding: str) -> tuple[str, str]:
    """Decode one line of a streamed file with the file's encoding, guessing again if it fails."""
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        pass
    try:
        return _decode_plain(data, path, None)
    except InputError:
        raise InputError(str(path), "could not detect the text encoding", line=line,
                         hint="save the file as UTF-8") from None


def check_size(
    path: str | Path, size: int, limit: int, what: str = "file", line: int | None = None
) -> InputError | None:
    """The over-limit error, naming both numbers, or None."""
    if size <= limit:
        return None
    return InputError(
        str(path), f"{what} is {human_bytes(size)}, over the limit of {human_bytes(limit)}",
        line=line, hint=LIMIT_HINT,
    )


def human_bytes(n: int) -> str:
    """1536 -> '1.5 KiB (1536 bytes)': readable, and exact for comparing with the setting."""
    if n < 1024:
        return f"{n} bytes"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        size /= 1024
        if size < 1024 or unit == "TiB":
            break
    return f"{size:.1f} {unit} ({n} bytes)"
