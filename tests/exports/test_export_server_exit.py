"""A process that draws a chart and ends without stopping the export server ends (issue 11:
`pytest tests/app/test_exports.py` printed its result, then hung at exit for ever: the server's
wait for its next task sat in an executor thread that the interpreter joins when it ends)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import plotly.graph_objects as go
from reports import images
png = images.to_image(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), fmt="png", width=300, height=200)
print(png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", flush=True)
"""


def test_a_process_ends_though_its_export_server_was_never_stopped() -> None:
    try:
        done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                              text=True, timeout=240)
    except subprocess.TimeoutExpired as e:        # the hang: the image was drawn, exit never came
        pytest.fail(f"le processus ne s'est pas terminé ; sortie : {e.stdout!r}")
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr[-2000:]
