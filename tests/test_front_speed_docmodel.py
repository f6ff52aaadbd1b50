"""docmodel's shortcut (issue 8): a sentence's offset in a block whose offsets are a range is counted, the
same as the search gives."""
from __future__ import annotations

from bisect import bisect_left

from pipeline import docmodel


def test_the_offset_counted_in_a_range_is_the_one_searched():
    for a in range(0, 6):
        for b in range(a, a + 6):
            for index in (range(a, b), tuple(range(a, b)), range(a, b, 2), (a, a + 3, a + 4)):
                for start in range(-2, b + 4):
                    assert docmodel._first_at_or_after(index, start) == bisect_left(index, start)
