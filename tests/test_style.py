"""The exported modules read in one sitting: code at most 110 characters a line (nbdev's generated `__all__` aside)."""

from pathlib import Path
import pytest

LIB = Path(__file__).resolve().parents[1] / 'lost_nb'


@pytest.mark.parametrize(
    'mod', sorted(p for p in LIB.glob('*.py') if not p.name.startswith('_')), ids=lambda p: p.name
)
def test_line_length(mod):
    long, in_all = [], False
    for n, line in enumerate(mod.read_text().splitlines(), 1):
        in_all = in_all or line.startswith('__all__ = ')
        if not in_all and len(line) > 110:
            long.append(n)
        if in_all and line.rstrip().endswith(']'):
            in_all = False
    assert not long, f"{mod.name}: lines {long} are longer than 110 characters"
