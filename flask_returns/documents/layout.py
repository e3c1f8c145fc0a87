"""Where the label sits on the paper, in one place.

The template's CSS places the label area with these numbers and
:mod:`flask_returns.documents.embed` places a carrier's PDF label with the same
numbers, so the two can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH

# The label itself is always 4 x 6 in: what carriers print and label printers take.
LABEL_WIDTH_MM = 4 * MM_PER_INCH
LABEL_HEIGHT_MM = 6 * MM_PER_INCH
# Room for a scissors mark and the printer's unprintable edge around the cut line.
SHEET_MARGIN_MM = 15.0


# The prepaid mark's box in the label's top corner, and the largest size of its heading.
PREPAID_BOX_WIDTH_MM = 33.0
PREPAID_BOX_INSET_MM = 2.1  # border 0.6 mm + padding 1.5 mm, each side
PREPAID_MARK_LARGEST_PT = 9.0
# The mean advance of a bold capital in DejaVu Sans Bold, in em, with room to spare:
# a word of Latin capitals averages about 0.72, of Greek about 0.83 ("ΠΡΟΠΛΗΡΩΜΕΝΑ").
BOLD_CAPITAL_EM = 0.86


def prepaid_mark_size_pt(heading: str) -> float:
    """The heading's type size so that its longest word fits the box on one line.

    Some languages say "postage paid" in one long word ("BÉRMENTESÍTVE"): a box
    sized for English would break it mid-word, so the type shrinks instead.
    """
    longest = max((len(word) for word in heading.split()), default=1)
    room_pt = (PREPAID_BOX_WIDTH_MM - 2 * PREPAID_BOX_INSET_MM) * PT_PER_MM
    fitting = room_pt / (longest * BOLD_CAPITAL_EM)
    return min(PREPAID_MARK_LARGEST_PT, int(fitting * 10) / 10)


@dataclass(frozen=True)
class PageLayout:
    """One paper size and the label's box on it, in millimetres from the top left."""

    name: str
    width: float
    height: float
    label_left: float
    label_top: float
    cut_line: bool

    @property
    def label_width(self) -> float:
        return LABEL_WIDTH_MM

    @property
    def label_height(self) -> float:
        return LABEL_HEIGHT_MM

    def label_box_pt(self) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` of the label in PDF points, origin bottom left."""
        bottom = self.height - self.label_top - self.label_height
        return (
            self.label_left * PT_PER_MM,
            bottom * PT_PER_MM,
            self.label_width * PT_PER_MM,
            self.label_height * PT_PER_MM,
        )


def _sheet(name: str, width: float, height: float) -> PageLayout:
    # Centred across, near the top: the rest of the sheet tells what to do with it.
    return PageLayout(
        name, width, height, (width - LABEL_WIDTH_MM) / 2, SHEET_MARGIN_MM, cut_line=True
    )


LAYOUTS: dict[str, PageLayout] = {
    "4x6": PageLayout("4x6", LABEL_WIDTH_MM, LABEL_HEIGHT_MM, 0.0, 0.0, cut_line=False),
    "A4": _sheet("A4", 210.0, 297.0),
    "Letter": _sheet("Letter", 8.5 * MM_PER_INCH, 11 * MM_PER_INCH),
}


def layout_for(page_size: str) -> PageLayout:
    return LAYOUTS[page_size]
