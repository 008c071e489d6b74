"""Project configuration: paths and constants, each overridable from the environment."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent

# The published database the app reads (built by `python -m etl build`).
DB_PATH = Path(os.environ.get("QPV_DB_PATH", ROOT / "data" / "qpv.duckdb"))

# Folders read by `python -m etl build` when no --raw is given: the generated demo
# territory and the seeds' real territories (programme template files).
DEMO_RAW_DIR = ROOT / "data" / "raw" / "demo"
TERRITORIES_DIR = ROOT / "data" / "territories"
DEFAULT_RAW_DIRS = (DEMO_RAW_DIR, TERRITORIES_DIR)

# Files uploaded from the import page are stored here (never outside DATA_DIR).
DATA_DIR = ROOT / "data"
UPLOAD_DIR = Path(os.environ.get("QPV_UPLOAD_DIR", DATA_DIR / "uploads"))

# Real official files kept beside the project for integration tests (never copied in).
REFERENCE_DIR = Path(os.environ.get("QPV_REFERENCE_DIR", ROOT.parent / "shared" / "data" / "reference"))

# Territory selected when nothing is in the URL (a contract slug). Empty: the first real
# contract of the database, the fictional demo only when it is alone (ui/state.py).
DEFAULT_CONTRACT = os.environ.get("QPV_DEFAULT_CONTRACT", "")

# Comparison levels for every QPV indicator, in display order.
COMPARATOR_LEVELS = ("commune", "epci", "departement", "france", "qpv_ensemble")

# The mark put on every view and export of the fictional demo territory.
DEMO_MARK = "Données fictives de démonstration"
