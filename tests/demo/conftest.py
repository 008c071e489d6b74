"""The demo territory, generated once per test session into a temporary folder."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from etl.demo import write_demo


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    write_demo(out)
    return out


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def read_insee(data: bytes, encoding: str) -> pd.DataFrame:
    """An INSEE-style CSV as strings (';', the file's encoding, trailing empty column dropped)."""
    df = pd.read_csv(io.BytesIO(data), sep=";", dtype=str, keep_default_na=False,
                     encoding=encoding)
    return df[[c for c in df.columns if not c.startswith("Unnamed")]]
