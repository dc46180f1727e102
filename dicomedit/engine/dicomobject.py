"""The DICOM object a script edits: the dataset *and* its file meta information.

XNAT's reader puts group 0002 and the dataset into one object, so scripts can read, assign,
delete and blank file meta elements (spec §8.3).  pydicom keeps them apart in ``ds.file_meta``;
this class joins them again at the top level and owns every primitive change to the object
(set, delete, private creator slots), so that whether the object was modified is known exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pydicom.charset import convert_encodings
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence

from . import elements as el
from .errors import EvaluationError

SPECIFIC_CHARACTER_SET = 0x00080005
SOP_CLASS_UID = 0x00080016
SOP_INSTANCE_UID = 0x00080018
MEDIA_STORAGE_SOP_CLASS_UID = 0x00020002
MEDIA_STORAGE_SOP_INSTANCE_UID = 0x00020003
TRANSFER_SYNTAX_UID = 0x00020010
EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1"


@dataclass(slots=True)
class DicomObject:
    """A pydicom dataset seen as one DicomEdit object (group 0002 included)."""

    dataset: Dataset
    modified: bool = False
    pixels_edited: bool = False  # alterPixels ran: the object is written Explicit VR Little Endian
    notes: list[str] = field(default_factory=list)
    # what walks found, valid until the next change (see ``touch``); owned by ``walker``
    cache: dict[str, object] = field(default_factory=dict)

    def touch(self, *, structural: bool = True) -> None:
        """Record a change.  A *structural* one (an element or item added or removed, a private
        creator or the character set changed) makes cached walks stale; a new value does not."""
        self.modified = True
        if structural:
            self.cache.clear()

    # -- encoding -----------------------------------------------------------------------------
    @property
    def little_endian(self) -> bool:
        return self.dataset.original_encoding[1] is not False

    @property
    def implicit_vr(self) -> bool:
        return self.dataset.original_encoding[0] is True

    def charset_of(self, container: Dataset, inherited: list[str] | None = None) -> list[str]:
        """The character set of ``container`` (an item may declare its own)."""
        elem = el.element(container, SPECIFIC_CHARACTER_SET)
        if elem is None:
            return inherited if inherited is not None else ["iso8859"]
        return declared_charset(elem)

    @property
    def charset(self) -> list[str]:
        found = self.cache.get("charset")
        if found is None:
            found = self.cache["charset"] = self.charset_of(self.dataset)
        assert isinstance(found, list)
        return found

    # -- containers ---------------------------------------------------------------------------
    def holder(self, container: Dataset, tag: int) -> Dataset:
        """Where ``tag`` lives: top-level group 0002 is kept in ``file_meta``."""
        if container is self.dataset and tag >> 16 == 0x0002:
            meta = getattr(self.dataset, "file_meta", None)
            if meta is None:
                meta = FileMetaDataset()
                self.dataset.file_meta = meta
            return meta
        return container

    def top_level_containers(self) -> Iterator[Dataset]:
        meta = getattr(self.dataset, "file_meta", None)
        if meta is not None:
            yield meta
        yield self.dataset

    def get(self, container: Dataset, tag: int) -> el.Element | None:
        holder: Dataset | None = container
        if container is self.dataset and tag >> 16 == 0x0002:
            holder = getattr(self.dataset, "file_meta", None)
        if holder is None:
            return None
        return el.element(holder, tag)

    # -- changes ------------------------------------------------------------------------------
    def set_string(
        self,
        container: Dataset,
        tag: int,
        text: str,
        charset: list[str],
        *,
        vr: str | None = None,
        creator: str | None = None,
    ) -> None:
        """Create or overwrite ``tag`` with ``text``; the VR is kept, else taken from the dictionary."""
        holder = self.holder(container, tag)
        existing = el.element(holder, tag)
        if vr is None:
            vr = el.element_vr(existing, creator) if existing is not None else el.dictionary_vr(tag, creator)
        if vr == "SQ":
            # dcm4che2 creates an empty sequence and ignores the value (spec §6.5).
            if existing is None or el.element_vr(existing, creator) != "SQ":
                holder[tag] = el.new_sequence_element(tag)
                self.touch()
            return
        is_meta = holder is not container or isinstance(holder, FileMetaDataset)
        little = True if is_meta else self.little_endian
        data = el.encode_value(vr, text, charset, little)
        if existing is not None and _same_value(existing, vr, data):
            return
        implicit = False if is_meta else self.implicit_vr
        holder[tag] = el.raw_element(tag, vr, data, implicit=implicit, little=little)
        self.touch(structural=_structural(existing, tag))

    def set_raw(self, container: Dataset, tag: int, vr: str, data: bytes) -> None:
        """Store already-encoded bytes (used to write back values recorded earlier)."""
        holder = self.holder(container, tag)
        is_meta = isinstance(holder, FileMetaDataset)
        existing = el.element(holder, tag)
        if existing is not None and _same_value(existing, vr, data):
            return
        little = True if is_meta else self.little_endian
        implicit = False if is_meta else self.implicit_vr
        holder[tag] = el.raw_element(tag, vr, data, implicit=implicit, little=little)
        self.touch(structural=_structural(existing, tag))

    def delete(self, container: Dataset, tag: int) -> None:
        holder = self.holder(container, tag) if tag >> 16 == 0x0002 else container
        self.delete_all(holder, [tag])

    def delete_all(self, holder: Dataset, tags: Iterable[int]) -> None:
        """Delete ``tags`` from the dataset that holds them (for group 0002: ``file_meta``)."""
        members = el.members(holder)
        gone = [tag for tag in tags if tag in members]
        if len(gone) > 1 and all(tag >> 16 & 1 for tag in gone):
            # Private elements only (removeAllPrivateTags): of what ``del holder[tag]`` does
            # besides removing the element, only forgetting its private blocks applies.
            for tag in gone:
                del members[tag]
            if getattr(holder, "_private_blocks", None):
                holder._private_blocks = {}
        else:
            for tag in gone:
                del holder[tag]
        if gone:
            # A remembered walk skips deleted elements; only a change to what the remaining ones
            # look like (their creator, the character set) makes it stale.
            numbers = [int(tag) for tag in gone]  # pydicom's tag type compares in Python
            self.touch(structural=SPECIFIC_CHARACTER_SET in numbers or _orphans(members, numbers))

    def empty_item(self, item: Dataset) -> None:
        self.delete_all(item, list(el.members(item)))

    def sequence(self, container: Dataset, tag: int, *, create: bool) -> Sequence | None:
        """The sequence at ``tag``, created empty when asked; an error if it is not a sequence."""
        holder = self.holder(container, tag) if tag >> 16 == 0x0002 else container
        if tag not in holder:
            if not create:
                return None
            holder[tag] = el.new_sequence_element(tag)
            self.touch()
        elem = holder[tag]  # converts a raw sequence; its items stay raw
        if elem.VR != "SQ" or not isinstance(elem.value, Sequence):
            if elem.VR in ("UN", None) and not elem.value:
                if not create:
                    return None
                holder[tag] = el.new_sequence_element(tag)
                self.touch()
                elem = holder[tag]
            else:
                raise EvaluationError(f"{el.tag_text(tag)} is not a sequence (VR {elem.VR})")
        seq: Sequence = elem.value
        return seq

    def item(self, container: Dataset, tag: int, index: int, *, create: bool) -> Dataset | None:
        """Item ``index`` of the sequence at ``tag``; missing items are created empty when asked."""
        seq = self.sequence(container, tag, create=create)
        if seq is None:
            return None
        if index < len(seq):
            item: Dataset = seq[index]
            return item
        if not create:
            return None
        while len(seq) <= index:
            seq.append(el.new_item(container))
        self.touch()
        created: Dataset = seq[index]
        return created

    # -- private creators (spec §6.3) ------------------------------------------------------------
    def find_block(self, container: Dataset, group: int, creator: str, *, reserve: bool) -> int | None:
        """The block byte owned by ``creator`` in ``group``.

        dcm4che2 scans the slots (gggg,0010), (gggg,0011)… and stops at the first empty one:
        when reserving, that slot gets the creator (VR LO); otherwise the creator is not found.
        """
        charset = self.charset_of(container)
        for block in range(0x10, 0x100):
            slot = (group << 16) | block
            elem = container.get_item(slot) if slot in container else None
            value = el.read_string(elem, charset) if elem is not None else ""
            if value == "":
                if not reserve:
                    return None
                self.set_string(container, slot, creator, charset, vr="LO")
                return block
            if value == creator:
                return block
        return None

    def creators(self, container: Dataset, group: int, charset: list[str]) -> dict[int, str]:
        """Block byte → creator for the creator elements present in ``group``."""
        found: dict[int, str] = {}
        first, last = (group << 16) | 0x0010, (group << 16) | 0x00FF
        tags = container.keys()  # keys only: iterating the dataset would decode every element
        for tag in tags:
            if first <= tag <= last:
                found[tag & 0xFF] = el.read_string(container.get_item(tag), charset)
        return found


def declared_charset(elem: el.Element) -> list[str]:
    """The Python encodings a (0008,0005) element declares."""
    text = el.read_string(elem, ["iso8859"])
    encodings: list[str] = convert_encodings(text.split("\\") if "\\" in text else text)
    return encodings


def _orphans(members: dict[int, el.Element], deleted: list[int]) -> bool:
    """Whether a deleted private creator leaves elements of its block in ``members``."""
    creators = {(t >> 16, t & 0xFF) for t in deleted if t >> 16 & 1 and 0x10 <= t & 0xFFFF <= 0xFF}
    return bool(creators) and any((t >> 16, (t & 0xFFFF) >> 8) in creators for t in members)


def _structural(existing: DataElement | RawDataElement | None, tag: int) -> bool:
    """Whether replacing ``existing`` changes what a walk sees (paths, creators, character set)."""
    if existing is None or el.is_private_creator(tag) or tag == SPECIFIC_CHARACTER_SET:
        return True
    return existing.VR == "SQ" or (existing.VR is None and el.dictionary_vr(tag) == "SQ")


def _same_value(existing: DataElement | RawDataElement, vr: str, data: bytes) -> bool:
    if isinstance(existing, RawDataElement):
        # an implicit-VR element has no VR of its own: the bytes decide
        return bool(existing.VR in (vr, None) and existing.value == data)
    return False


def sync_file_meta(obj: DicomObject) -> None:
    """Re-synchronise (0002,0002)/(0002,0003) from (0008,0016)/(0008,0018) (spec §8.3, DE-30)."""
    meta = getattr(obj.dataset, "file_meta", None)
    if meta is None:
        return
    charset = obj.charset
    for meta_tag, source_tag in (
        (MEDIA_STORAGE_SOP_CLASS_UID, SOP_CLASS_UID),
        (MEDIA_STORAGE_SOP_INSTANCE_UID, SOP_INSTANCE_UID),
    ):
        source = obj.dataset.get_item(source_tag) if source_tag in obj.dataset else None
        if source is None:
            continue
        value = el.read_string(source, charset)
        current = meta.get_item(meta_tag) if meta_tag in meta else None
        if current is None or el.read_string(current, charset) != value:
            obj.set_string(obj.dataset, meta_tag, value, charset, vr="UI")
