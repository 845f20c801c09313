"""Phone and licence numbers masked for files that leave the AM's hands (``--mask``).

A masked number keeps its last digits (rules ``exports.mask_keep_digits``) so that the reader
can still tell retailers apart and the AM can recognise them: ``13897873251`` ->
``*******3251``. In free text (notes, opinions, the AM's narrative) every phone and licence
number the store knows is masked wherever it appears, and so is anything shaped like a Chinese
mobile number (11 digits starting 1[3-9]) or a landline (0 + area code + 7–8 digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from khtui.domain.report import Block, Chart, Heading, Paragraph, ReportDocument, Table

_SHAPED = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def mask_number(value: str, keep: int) -> str:
    """``value`` with every character but the last ``keep`` digits replaced by ``*``."""
    text = str(value).strip()
    if not text:
        return text
    return "*" * max(0, len(text) - keep) + text[-keep:] if len(text) > keep else "*" * len(text)


@dataclass
class Masker:
    keep: int
    known: list[str] = field(default_factory=list)  # numbers to find in text, longest first

    def value(self, text: str) -> str:
        return mask_number(text, self.keep)

    def text(self, text: str) -> str:
        if not text:
            return text
        for number in self.known:
            if number in text:
                text = text.replace(number, self.value(number))
        return _SHAPED.sub(lambda m: self.value(m.group(0)), text)

    def document(self, doc: ReportDocument) -> ReportDocument:
        """A copy of ``doc`` with every text masked."""
        blocks: list[Block] = []
        for b in doc.blocks:
            if isinstance(b, Table):
                blocks.append(
                    replace(
                        b,
                        headers=list(b.headers),
                        rows=[[self.text(c) for c in row] for row in b.rows],
                    )
                )
            elif isinstance(b, Heading | Paragraph):
                blocks.append(replace(b, text=self.text(b.text)))
            elif isinstance(b, Chart):
                blocks.append(replace(b, caption=self.text(b.caption)))
            else:
                blocks.append(b)
        return replace(
            doc, title=self.text(doc.title), meta=[self.text(m) for m in doc.meta], blocks=blocks
        )


def masker_for(store) -> Masker:
    """A masker knowing every phone and licence number in the store."""
    keep = store.rules.exports.mask_keep_digits
    numbers = {
        str(v).strip()
        for row in store.query("SELECT phone, licence_no FROM retailers")
        for v in row
        if v and len(str(v).strip()) > keep
    }
    return Masker(keep, sorted(numbers, key=lambda x: (-len(x), x)))
