"""`python -m ui.serve` imports the app's modules in the background once Streamlit has read its
options, so a new server's first visitor does not wait for them (issue #15)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys, threading
from streamlit import config
from streamlit.web import cli
from ui import serve

seen = {}
def run_server():                     # what `streamlit run` does before serving: read its options
    seen["before"] = sorted(m for m in serve.PRELOAD if m in sys.modules)
    config.get_config_options(force_reparse=True)
    for thread in threading.enumerate():
        if thread.name == serve.PRELOAD_THREAD:
            thread.join(120)
    seen["after"] = sorted(m for m in serve.PRELOAD if m in sys.modules)
    seen["pandas"] = "pandas" in sys.modules
cli.main = run_server
serve.main(["--server.headless", "true"])
print(json.dumps(seen))
"""


def test_the_server_imports_the_app_modules_as_it_starts() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "before": [], "after": ["indicators.text", "ui.auth", "ui.components", "ui.data",
                                "ui.state", "ui.views"], "pandas": True}
