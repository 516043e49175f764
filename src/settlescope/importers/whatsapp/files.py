"""Reading a WhatsApp export: the ``.txt``, or the chat inside the ``.zip`` with the media."""

from __future__ import annotations

import codecs
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO

import numpy as np
import pyarrow as pa

from settlescope.importers.base import Source, encoding_error
from settlescope.importers.whatsapp.headers import detect_style

BLOCK = 1 << 22
# what a damaged or unusual zip can raise while it is opened or read
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)


def chat_member(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None | list[str]:
    """The chat inside an export zip: ``_chat.txt``, or the one ``.txt`` that starts like a chat."""
    txts = [
        i
        for i in zf.infolist()
        if not i.is_dir()
        and i.filename.lower().endswith(".txt")
        and not i.filename.startswith("__MACOSX/")
    ]
    for i in txts:
        if i.filename.rsplit("/", 1)[-1] == "_chat.txt":
            return i
    chats = []
    for i in txts:
        with zf.open(i) as fh:
            head = fh.read(4096).decode("utf-8", "replace").lstrip("\ufeff")
        if detect_style(head.splitlines()[:20]) is not None:
            chats.append(i)
    if len(chats) == 1:
        return chats[0]
    return [i.filename for i in chats] if chats else None


class ChatFile:
    """Opens the chat text of a source (``.txt`` or ``.zip``) as a binary stream, as often as needed."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.member: zipfile.ZipInfo | None = None
        self.size = source.size
        norm = source.encoding.lower().replace("-", "").replace("_", "")
        self.wide = norm.startswith(("utf16", "utf32"))
        self.codec = "utf-8-sig" if norm in ("utf8", "utf8sig") else source.encoding
        with source.open_binary() as fh:
            is_zip = fh.read(4) == b"PK\x03\x04"
        if not is_zip:
            return
        try:
            with zipfile.ZipFile(source.path) as zf:
                found = chat_member(zf)
        except ZIP_ERRORS as e:
            raise source.error(
                f"the zip archive is damaged ({e})",
                hint="export the chat again, or unzip it and import the .txt",
            ) from None
        if found is None:
            raise source.error(
                "the zip holds no WhatsApp chat (.txt) file",
                hint="export the chat from WhatsApp again (More > Export chat)",
            )
        if isinstance(found, list):
            raise source.error(
                f"the zip holds several chats: {', '.join(found)}",
                hint="unzip it and import each .txt file separately",
            )
        self.member = found
        self.size = max(found.file_size, 1)

    def open(self) -> tuple[IO[bytes], Callable[[], None]]:
        if self.member is None:
            fh = self.source.open_binary()
            return fh, fh.close
        try:
            zf = zipfile.ZipFile(self.source.path)
            fh = zf.open(self.member)
        except ZIP_ERRORS as e:
            raise self.source.error(
                f"the zip archive is damaged ({e})",
                hint="export the chat again, or unzip it and import the .txt",
            ) from None

        def close() -> None:
            fh.close()
            zf.close()

        return fh, close

    def blocks(
        self, first: int | None = None, size: int | None = None
    ) -> Iterator[tuple[int, list[str], int]]:
        """Yield ``(first line number, lines, bytes read so far)``, decoding strictly.

        The first block reads ``first`` bytes, the others ``size`` (``BLOCK`` if not given).
        """
        src = self.source
        if self.wide:
            yield from self._wide_blocks()
            return
        dec = codecs.getincrementaldecoder(self.codec)("strict")
        line_no = 1
        for block, done, last in self._raw_blocks(first or BLOCK, size or BLOCK):
            try:
                text = dec.decode(block, final=last)
            except UnicodeDecodeError as e:
                bad_line = line_no + block.count(b"\n", 0, e.start)
                raise encoding_error(src, block, e, f"line {bad_line}") from None
            if text:
                lines = text.replace("\r\n", "\n").split("\n")
                if lines[-1] == "":
                    lines.pop()
                yield line_no, lines, done
                line_no += len(lines)
            if last:
                return

    def utf8_blocks(self) -> Iterator[tuple[bytes, int]]:
        """Yield ``(UTF-8 bytes, bytes read so far)``, in blocks that may end inside a line.

        A UTF-8 file is passed on as read, without decoding it (the parser has Arrow check
        that its bytes are UTF-8); other encodings are decoded and encoded.
        """
        if self.wide or self.codec != "utf-8-sig":
            for _, lines, done in self.blocks():
                yield "".join(ln + "\n" for ln in lines).encode(), done
            return
        done = 0
        for chunk in self._reads(BLOCK, BLOCK):
            if not done and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[3:]
                done = 3
            done += len(chunk)
            yield chunk, done

    def _raw_blocks(self, first: int, size: int) -> Iterator[tuple[bytes, int, bool]]:
        """Yield ``(bytes of whole lines, bytes read so far, is the last)``: ``first`` bytes,
        then ``size`` bytes at a time, cut after the last newline (the rest goes with the next)."""
        read = 0
        rest = b""
        for chunk in self._reads(first, size):
            read += len(chunk)
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            block, rest = data[:cut], data[cut:]
            if block:
                yield block, read, False
        yield rest, read, True

    def _reads(self, first: int, size: int) -> Iterator[bytes]:
        """The chat's bytes: ``first`` bytes, then ``size`` bytes at a time."""
        fh, close = self.open()
        read = 0
        try:
            while True:
                try:
                    chunk = fh.read(first if not read else size)
                except ZIP_ERRORS as e:
                    raise self.source.error(
                        f"the zip archive is damaged ({e})",
                        locator=f"byte {read}",
                        hint="export the chat again",
                    ) from None
                if not chunk:
                    return
                read += len(chunk)
                yield chunk
        finally:
            close()

    def _wide_blocks(self) -> Iterator[tuple[int, list[str], int]]:
        fh, close = self.open()
        wrapper = io.TextIOWrapper(fh, encoding=self.source.encoding, errors="strict", newline=None)
        line_no = 1
        try:
            while True:
                lines = wrapper.readlines(BLOCK)
                if not lines:
                    return
                lines = [
                    ln.rstrip("\n").lstrip("\ufeff") if line_no == 1 and i == 0 else ln.rstrip("\n")
                    for i, ln in enumerate(lines)
                ]
                yield line_no, lines, fh.tell() if fh.seekable() else 0
                line_no += len(lines)
        except UnicodeDecodeError as e:
            raise encoding_error(self.source, e.object, e, f"line {line_no}") from None
        finally:
            close()


def is_utf8(buf: pa.Buffer, end: int) -> bool:
    """Whether the first ``end`` bytes of ``buf`` are UTF-8 (Arrow's check, faster than decoding)."""
    offsets = pa.py_buffer(np.array([0, end], np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, buf).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True
