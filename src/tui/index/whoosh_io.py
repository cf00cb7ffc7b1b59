"""How this package opens, reads and writes Whoosh indexes: Whoosh's own classes, subclassed.

Three of Whoosh's costs are cut here, in subclasses that only our code uses (``open_dir``,
``create_in`` and what they return); importing this module changes nothing in Whoosh, and plain
Whoosh (``whoosh.index.open_dir``, as bench/check.py uses it) reads the same files as before:

- Reading through the mmap (:class:`ViewBufferFile`). Whoosh opens each part of a segment's
  compound file as a BufferFile over a memoryview of the mmap'd segment, and BufferFile wraps that
  view in io.BytesIO, which copies it: every part of every segment ended up in the process's own
  memory (160 MB of the app's 470 MB at 100k paragraphs) as well as in the page cache. Reading
  through the view keeps the mmap's pages shared and reclaimable; the bytes read are the same.
- Remembering a column a segment does not have (:class:`MemoPerDocReader`). Whoosh asks for a
  field's lengths column once per posting when it writes a segment (and once per document and
  field when it merges one), and for fields without lengths (ID, KEYWORD, not scorable) it looked
  for the file on disk every time: half the commit at 10k paragraphs went to os.stat.
- Posting blocks written as they are, not zlib-compressed (:class:`MemoCodec`): every block a
  search read was decompressed first. At 10k paragraphs, search p95 8.2-8.8 -> 5.0-5.3 ms and
  timeline p95 5.5-5.9 -> 3.6-3.7 (bench/probe.py queries), a full build 17.2-17.5 -> 12.7-15.7 s
  of CPU; the index is larger (10k 33.8 -> 46.6 MB, 100k 227 -> 367). Each block says whether it
  is compressed, so an index written before reads as it did, and its new segments come
  uncompressed. zlib's checksum goes with it: a block damaged on disk may now read as other
  numbers where it raised before (the tables of contents are still checked, by their hashes).

The segments written still name Whoosh's own W3Codec, so a table of contents pickles only
Whoosh's classes, as before.
"""

from __future__ import annotations

from pathlib import Path

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3Segment, _lenfield
from whoosh.columns import NumericColumn
from whoosh.compat import memoryview_
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage, StorageError
from whoosh.filedb.filestore import OverlayStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.index import FileIndex, _DEF_INDEX_NAME
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.util import fib
from whoosh.util.text import utf8encode
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

_BYTE_LENGTHS = [None] + [byte_to_length(b) for b in range(1, 256)]  # as doc_field_length decodes


class ViewFile:
    """A read-only file over a buffer, as io.BytesIO reads one, but without copying the buffer."""

    def __init__(self, buf) -> None:
        self._buf = buf
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        if end <= start:
            return b""
        self._pos = end
        return bytes(self._buf[start:end])

    def readline(self, size: int | None = -1) -> bytes:
        rest = bytes(self._buf[self._pos:]) if size is None or size < 0 \
            else bytes(self._buf[self._pos:self._pos + size])
        cut = rest.find(b"\n")
        line = rest if cut < 0 else rest[:cut + 1]
        self._pos += len(line)
        return line

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def seek(self, position: int, whence: int = 0) -> int:
        target = position if whence == 0 else self._pos + position if whence == 1 else len(self._buf) + position
        if target < 0:
            raise ValueError(f"negative seek value {target}")
        self._pos = target
        return target

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._buf = b""


class ViewBufferFile(BufferFile):
    """whoosh.filedb.structfile.BufferFile reading through a :class:`ViewFile`, not io.BytesIO."""

    def __init__(self, buf, name=None, onclose=None) -> None:
        self._buf = buf
        self._name = name
        self.file = ViewFile(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def subset(self, position, length, name=None):
        return ViewBufferFile(self.get(position, length), name=name or self._name)


class ViewCompoundStorage(CompoundStorage):
    """A segment's compound file whose parts are read through the mmap (ViewBufferFile)."""

    def open_file(self, name, *args, **kwargs):
        if self.is_closed:
            raise StorageError("Storage was closed")
        if self._source:
            offset, length = self.range(name)
            return ViewBufferFile(memoryview_(self._source, offset, length), name=name)
        return super().open_file(name, *args, **kwargs)


class MemoPerDocReader(W3PerDocReader):
    """W3PerDocReader that also remembers a column the segment does not have, and decodes a
    field's lengths column once rather than a byte per call.

    A segment's columns never change once its per-document files are written, so the answer to
    "is there a lengths column for this field" can be kept, and so can the lengths: Whoosh asks
    for a document's length once per posting as it writes a segment (a tenth of a full build).
    """

    def _cached_reader(self, fieldname, column):
        try:
            return self._readers[fieldname]
        except KeyError:
            reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
            self._readers[fieldname] = reader
            return reader

    def field_lengths(self, fieldname) -> list | None:
        """Each document's length of ``fieldname`` as doc_field_length gives it (None where its
        byte is 0), or None if the field has no lengths column of one byte a document."""
        try:
            return self._field_lengths[fieldname]
        except AttributeError:
            self._field_lengths: dict = {}
        except KeyError:
            pass
        column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        lengths = None
        if column is not None and type(column) is NumericColumn.Reader and column._fixedlen == 1:
            raw = column._dbfile.get(column._basepos, column._count) if column._count else b""
            default = column._unpack(column._defaultbytes)[0]
            lengths = [_BYTE_LENGTHS[b] for b in raw] + \
                [_BYTE_LENGTHS[default]] * max(0, self._doccount - len(raw))
        self._field_lengths[fieldname] = lengths
        return lengths

    def doc_field_length(self, docnum, fieldname, default=0):
        lengths = self.field_lengths(fieldname)
        if lengths is not None and 0 <= docnum < len(lengths):
            return lengths[docnum]
        if 0 <= docnum <= self._doccount and self._readers.get(_lenfield(fieldname), False) is None:
            return default  # as Whoosh's, for a field without lengths
        return super().doc_field_length(docnum, fieldname, default)


class MemoCodec(W3Codec):
    """Whoosh's W3Codec with :class:`MemoPerDocReader`, writing posting blocks uncompressed; the
    segments it makes name a plain W3Codec."""

    def __init__(self, blocklimit: int = 128, compression: int = 0, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit, compression, inlinelimit)

    @classmethod
    def like(cls, codec):
        """This kind of codec with the settings of ``codec`` (a W3Codec), or ``codec`` itself."""
        if type(codec) is not W3Codec:
            return codec
        memo = cls.__new__(cls)
        memo.__dict__.update(codec.__dict__)
        return memo

    def plain(self) -> W3Codec:
        codec = W3Codec.__new__(W3Codec)
        codec.__dict__.update(self.__dict__)
        return codec

    def per_document_reader(self, storage, segment):
        return MemoPerDocReader(storage, segment)

    def new_segment(self, storage, indexname):
        return W3Segment(self.plain(), indexname)


class ViewSegmentReader(SegmentReader):
    """whoosh.reading.SegmentReader over a ViewCompoundStorage, with a MemoCodec."""

    def __init__(self, storage, schema, segment, generation=None, codec=None) -> None:
        self.schema = schema
        self.is_closed = False
        self._segment = segment
        self._segid = segment.segment_id()
        self._gen = generation
        if segment.is_compound():
            dbfile = storage.open_file(segment.make_filename(segment.COMPOUND_EXT))
            files = ViewCompoundStorage(dbfile, use_mmap=storage.supports_mmap)
            # as Whoosh: an overlay, since a segment file may be added after the segment is written
            self._storage = OverlayStorage(files, storage)
        else:
            self._storage = storage
        self._codec = codec if codec else MemoCodec.like(segment.codec())
        self._terms = self._codec.terms_reader(self._storage, segment)
        self._perdoc = self._codec.per_document_reader(self._storage, segment)


def merge_small(writer, segments):
    """whoosh.writing.MERGE_SMALL (the default merge policy), reading with ViewSegmentReader."""
    unchanged, to_merge = [], []
    total = 0
    found = False
    for i, segment in enumerate(sorted(segments, key=lambda s: s.doc_count_all())):
        count = segment.doc_count_all()
        if count > 0:
            total += count
        if found:
            unchanged.append(segment)
        else:
            to_merge.append(segment)
            if i > 3 and total < fib(i + 5):
                found = True
    if found and len(to_merge) > 1:
        for segment in to_merge:
            reader = ViewSegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        return unchanged
    return segments


class ViewSegmentWriter(SegmentWriter):
    """whoosh.writing.SegmentWriter with a MemoCodec, reading (deletions, merges) as ViewIndex does.

    ``indexer_for(field)`` may give, for a field of the schema, an object whose ``items(value)``
    and ``spellable(value)`` return what the field's ``index(value)`` and
    ``spellable_words(value)`` would, only sooner (None: Whoosh's own methods are used).

    A word of a spelling field (the unstemmed words of ``text``, for "did you mean") is posted once
    per segment: Whoosh posts it again, always as document 0, for every document that has it (a
    third of a build's postings), and only the field's words are ever read, never their postings.
    """

    def __init__(self, ix, codec=None, indexer_for=None, **kwargs) -> None:
        super().__init__(ix, codec=codec if codec is not None else MemoCodec(), **kwargs)
        self._spelled: set[tuple[str, bytes]] = set()
        self._indexers = {} if indexer_for is None else {
            name: indexer for name, indexer in ((name, indexer_for(self.schema[name]))
                                                for name in self.schema.names()) if indexer is not None}

    def add_document(self, **fields) -> None:
        """SegmentWriter.add_document, asking this writer's indexers where it has one for a field."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_post = self.pool.add
        indexers = self._indexers

        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields.keys() if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                indexer = indexers.get(fieldname) if isinstance(value, str) else None

                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    items = indexer.items(value) if indexer is not None else field.index(value)
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in items:
                        weight *= fieldboost
                        if scorable:
                            length += freq
                        add_post((fieldname, tbytes, docnum, weight, vbytes))

                if field.separate_spelling():
                    spellfield = field.spelling_fieldname(fieldname)
                    words = indexer.spellable(value) if indexer is not None else field.spellable_words(value)
                    spelled = self._spelled
                    for word in words:
                        key = (spellfield, utf8encode(word)[0])
                        if key not in spelled:
                            spelled.add(key)
                            # as Whoosh: the value is whatever the field's last posting had
                            add_post((spellfield, key[1], 0, 1, vbytes))

                vformat = field.vector
                if vformat:
                    vitems = vformat.word_values(value, field.analyzer, mode="index")
                    vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                    perdocwriter.add_vector_items(fieldname, field, vitems)

                customval = fields.get("_stored_%s" % fieldname, value)
                sv = customval if field.stored else None
                perdocwriter.add_field(fieldname, field, sv, length)

                column = field.column_type
                if column and customval is not None:
                    cv = field.to_column_value(customval)
                    perdocwriter.add_column_value(fieldname, column, cv)
        except Exception:
            perdocwriter.cancel_doc()
            raise

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def reader(self, reuse=None):
        self._check_state()
        return ViewIndex._reader(self.storage, self.schema, self.segments, self.generation, reuse=reuse)

    def commit(self, mergetype=None, optimize=None, merge=None) -> None:
        optimize = optimize if optimize is not None else self.optimize
        merge = merge if merge is not None else self.merge
        if mergetype is None and not optimize and merge:
            mergetype = merge_small
        super().commit(mergetype, optimize, merge)


class ViewIndex(FileIndex):
    """whoosh.index.FileIndex whose readers are ViewSegmentReaders and writers ViewSegmentWriters."""

    @classmethod
    def _reader(cls, storage, schema, segments, generation, reuse=None):
        """FileIndex._reader, opening each segment with ViewSegmentReader."""
        if reuse:
            segments.extend(segment for segment in reuse.segments() if segment not in segments)
        reusable = {}
        try:
            if not segments:
                return EmptyReader(schema)
            if reuse:
                reusable = {r.segment(): r for r, _ in reuse.leaf_readers() if r.segment() is not None}

            def open_segment(segment):
                if segment in reusable:
                    return reusable.pop(segment)
                return ViewSegmentReader(storage, schema, segment, generation=generation)

            if len(segments) == 1:
                return open_segment(segments[0])
            return MultiReader([open_segment(segment) for segment in segments], generation=generation)
        finally:
            for reader in reusable.values():
                reader.close()

    def writer(self, procs=1, **kwargs):
        return ViewSegmentWriter(self, **kwargs)


def open_dir(folder: Path | str) -> ViewIndex:
    """whoosh.index.open_dir, as a ViewIndex."""
    return ViewIndex(FileStorage(str(folder)), schema=None, indexname=_DEF_INDEX_NAME)


def create_in(folder: Path | str, schema) -> ViewIndex:
    """whoosh.index.create_in, as a ViewIndex."""
    return ViewIndex.create(FileStorage(str(folder)), schema, _DEF_INDEX_NAME)
