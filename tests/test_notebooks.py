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
def test_notebook_is_clean(nb):
    "No outputs or execution counts committed (nbdev_clean), and no metadata beyond tags."
    cells = json.loads(nb.read_text())['cells']
    for c in cells:
        if c['cell_type'] != 'code': continue
        assert not c.get('outputs'), f"{nb.name}: committed outputs; run nbdev_clean"
        assert c.get('execution_count') is None, f"{nb.name}: execution counts; run nbdev_clean"
        assert set(c.get('metadata', {})) <= {'tags'}, f"{nb.name}: cell metadata {c['metadata']}"
