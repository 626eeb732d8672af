"""Checks on the notebooks themselves: parameters cells and the export/clean conventions."""

import ast, json, re
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
NOTEBOOKS = sorted(p for p in NBS.glob('[0-9]*.ipynb'))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell(nb):
    "One cell tagged `parameters`, literals only, `name = value  # help`, profile defaulting to smoke."
    cells = json.loads(nb.read_text())['cells']
    tagged = [c for c in cells if 'parameters' in c.get('metadata', {}).get('tags', [])]
    assert len(tagged) == 1, f"{nb.name}: {len(tagged)} cells tagged parameters"
    lines = [l for l in ''.join(tagged[0]['source']).splitlines() if l.strip()]
    names = {}
    for l in lines:
        m = re.match(r'^(\w+) = (.+?)  # (.+)$', l)
        assert m, f"{nb.name}: parameters line is not `name = value  # help`: {l!r}"
        names[m[1]] = ast.literal_eval(m[2])
    assert names.get('profile') == 'smoke', f"{nb.name}: profile must default to 'smoke'"


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_export_cell_skips_papermill_runs(nb):
    """A notebook's `nbdev_export()` cell runs in Jupyter only: papermill runs every cell (`eval: false` is nbdev's),
    and an export in a test's papermill run rewrote lost_nb/ while other tests imported it."""
    exports = [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if 'nbdev_export()' in ''.join(c['source'])]
    assert exports and all('if not injected_parameters():' in e for e in exports), f"{nb.name}: {exports}"


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(nb):
    "No outputs or execution counts committed (nbdev_clean), and no metadata beyond tags."
    cells = json.loads(nb.read_text())['cells']
    for c in cells:
        if c['cell_type'] != 'code':
            continue
        assert not c.get('outputs'), f"{nb.name}: committed outputs; run nbdev_clean"
        assert c.get('execution_count') is None, f"{nb.name}: execution counts; run nbdev_clean"
        assert set(c.get('metadata', {})) <= {'tags'}, f"{nb.name}: cell metadata {c['metadata']}"


# Markdown explains the method; results live in figures/ and are read by code. A measurement that lands in prose
# goes stale at the next run, so the two kinds of run-specific numbers that keep landing there fail here: dates and
# timings (a count of seconds or minutes, or a second count of four digits).
DATE = re.compile(
    r'\b20\d\d-\d\d-\d\d\b|\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|'
    r'November|December) 20\d\d\b|\b(January|February|March|April|May|June|July|August|September|October|'
    r'November|December) \d{1,2},? 20\d\d\b'
)
TIMING = re.compile(r'\b\d[\d,]*(\.\d+)? ?(s|sec|secs|seconds|min|mins|minutes)\b')


@pytest.mark.parametrize('nb', sorted(NBS.glob('*.ipynb')), ids=lambda p: p.name)
def test_markdown_holds_no_run_results(nb):
    "No dates and no measured timings in markdown cells (`figures/` and the cells that read it hold results)."
    bad = []
    for i, c in enumerate(json.loads(nb.read_text())['cells']):
        if c['cell_type'] != 'markdown':
            continue
        text = ''.join(c['source'])
        bad += [f"cell {i}: {m.group(0)!r}" for m in DATE.finditer(text)]
        bad += [f"cell {i}: {m.group(0)!r}" for m in TIMING.finditer(text)]
    assert not bad, f"{nb.name}: run-specific numbers in markdown: {bad}"


def test_markdown_scanner_catches():
    "The scanner itself: it flags what it should and lets method text through."
    assert DATE.search('the committed run of 2026-11-30') and DATE.search('on 30 November 2026')
    assert (
        TIMING.search('took 1524 s')
        and TIMING.search('0.18 s a step')
        and TIMING.search('about 16 to 19 minutes')
    )
    assert not TIMING.search('a 2 x 2 patch, 512 tokens of 32 dims, DDPM with 1000 steps')
    assert not DATE.search('Occupancy Networks (2019) and DiT (Peebles & Xie 2023)')
