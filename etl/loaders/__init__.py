"""The loaders a build asks, in this order, to recognise each file (protocol: etl/core.py).

Each module is imported explicitly: a missing or broken loader stops the build with its import
error rather than letting its files go unrecognised.
"""
from __future__ import annotations

import importlib
from types import ModuleType

LOADER_MODULES: tuple[str, ...] = (
    "etl.loaders.cog",
    "etl.loaders.contours",
    "etl.loaders.ban",
    "etl.loaders.insee",
    "etl.loaders.grid",
    # Before the programme template, whose recognise reads a whole workbook: over a minute
    # (measured on a busy machine) on the APL's sheets of 35 000 communes. Neither recognises
    # the other's files.
    "etl.loaders.drees_apl",
    "etl.loaders.depp",
    "etl.loaders.programme",
    "etl.loaders.ssmsi",
)

# How each loader's formats are named in the "unrecognised file" message (a module may also set
# FORMAT_LABEL itself).
FORMAT_LABELS = {
    "etl.loaders.cog": "COG (communes, EPCI, départements, régions : JSON ou CSV de l'Insee)",
    "etl.loaders.contours": "contours des QPV de l'ANCT (GeoJSON ou shapefile, 2015 ou 2024)",
    "etl.loaders.insee": "statistiques Insee par QPV ou par commune (CSV ou zip avec dictionnaire meta_*.csv)",
    "etl.loaders.grid": "Filosofi carroyé 200 m (CSV ou zip)",
    "etl.loaders.programme": "modèle de saisie du programme (CSV ou classeur XLSX, voir python -m etl template-doc)",
    "etl.loaders.ssmsi": "base communale de la délinquance enregistrée du SSMSI (CSV data.gouv.fr)",
}

_REQUIRED = ("KINDS", "PRIORITY", "recognise", "load")


def import_loaders(names: tuple[str, ...] | list[str] | None = None) -> list[ModuleType]:
    """Import the loader modules (default: LOADER_MODULES) and check they follow the protocol."""
    modules = []
    for name in names or LOADER_MODULES:
        module = importlib.import_module(name)
        missing = [attr for attr in _REQUIRED if not hasattr(module, attr)]
        if missing:
            raise TypeError(f"loader {name} lacks {', '.join(missing)} (see etl/core.py)")
        modules.append(module)
    return modules


def accepted_formats(modules: list[ModuleType]) -> str:
    """The formats the loaders accept, in French, for the 'unrecognised file' message."""
    labels: list[str] = []
    for m in modules:
        label = (getattr(m, "FORMAT_LABEL", None) or FORMAT_LABELS.get(m.__name__)
                 or ", ".join(m.KINDS))
        if label not in labels:
            labels.append(label)
    return " ; ".join(labels)
