"""The model catalog: seeds/model_catalog.csv, read directly (hardware hosts have no database).

The same CSV is a dbt seed, so the `models` mart and the runner always agree on what a model is.
Other names of a catalog model (google/t5-small for t5-small ...) are in seeds/model_aliases.csv
beside it, each with its evidence; the runner, the legacy rows (dbt) and planning resolve names
through that one list.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runners.errors import CatalogError
from runners.paths import model_catalog_csv

REQUIRED_FIELDS = (
    "model_name",
    "model_family",
    "modality",
    "input_kind",
    "config_class",
    "model_class",
)
INPUT_KINDS = ("text_tokens", "image", "audio_features")


@dataclass(frozen=True)
class ModelSpec:
    """One catalog row: enough to build the model from its config and feed it inputs."""

    model_name: str
    model_family: str
    modality: str
    input_kind: str
    config_class: str
    model_class: str
    config_overrides: dict[str, Any] = field(default_factory=dict)
    # the class with a language-model head that `--kind generate` builds; "" where the model
    # cannot generate (an encoder-only model, or an input the generation loop does not feed)
    generation_class: str = ""
    parameters_million: float | None = None
    source: str = ""


def _parse_row(row: dict[str, str], path: Path, line: int) -> ModelSpec:
    for name in REQUIRED_FIELDS:
        if not (row.get(name) or "").strip():
            raise CatalogError(f"{path}:{line}: catalog row is missing field '{name}'")
    if row["input_kind"] not in INPUT_KINDS:
        raise CatalogError(
            f"{path}:{line}: input_kind '{row['input_kind']}' is not one of "
            f"{', '.join(INPUT_KINDS)}"
        )
    try:
        overrides = json.loads(row.get("config_json") or "{}")
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}:{line}: config_json is not valid JSON ({exc})") from None
    if not isinstance(overrides, dict):
        raise CatalogError(f"{path}:{line}: config_json must be a JSON object")
    params = (row.get("parameters_million") or "").strip()
    try:
        parameters_million = float(params) if params else None
    except ValueError:
        raise CatalogError(
            f"{path}:{line}: parameters_million '{params}' is not a number"
        ) from None
    return ModelSpec(
        model_name=row["model_name"].strip(),
        model_family=row["model_family"].strip(),
        modality=row["modality"].strip(),
        input_kind=row["input_kind"].strip(),
        config_class=row["config_class"].strip(),
        model_class=row["model_class"].strip(),
        config_overrides=overrides,
        generation_class=(row.get("generation_class") or "").strip(),
        parameters_million=parameters_million,
        source=(row.get("source") or "").strip(),
    )


def load_catalog(path: Path | None = None) -> dict[str, ModelSpec]:
    """Read the catalog CSV into {model_name: ModelSpec}; a bad row is a CatalogError."""
    path = path or model_catalog_csv()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [f for f in REQUIRED_FIELDS if f not in (reader.fieldnames or [])]
            if missing:
                raise CatalogError(f"{path}: catalog header lacks column(s) {', '.join(missing)}")
            specs: dict[str, ModelSpec] = {}
            for line, row in enumerate(reader, start=2):
                spec = _parse_row(row, path, line)
                if spec.model_name in specs:
                    raise CatalogError(f"{path}:{line}: model '{spec.model_name}' is listed twice")
                specs[spec.model_name] = spec
    except OSError as exc:
        raise CatalogError(f"cannot read model catalog {path}: {exc.strerror}") from None
    return specs


ALIAS_FIELDS = ("alias", "model_name", "evidence")


def model_aliases_csv() -> Path:
    """seeds/model_aliases.csv, beside the catalog (runners/catalogs/ in a wheel)."""
    return model_catalog_csv().with_name("model_aliases.csv")


def load_aliases(path: Path | None = None) -> dict[str, str]:
    """{alias: catalog model name} from the alias seed; {} when there is none beside the catalog.
    A row without alias, model name or evidence, or an alias listed twice, is a CatalogError."""
    path = path or model_aliases_csv()
    if not path.is_file():
        return {}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [f for f in ALIAS_FIELDS if f not in (reader.fieldnames or [])]
            if missing:
                raise CatalogError(f"{path}: alias header lacks column(s) {', '.join(missing)}")
            aliases: dict[str, str] = {}
            for line, row in enumerate(reader, start=2):
                for name in ALIAS_FIELDS:
                    if not (row.get(name) or "").strip():
                        raise CatalogError(f"{path}:{line}: alias row is missing field '{name}'")
                alias = row["alias"].strip()
                if alias in aliases:
                    raise CatalogError(f"{path}:{line}: alias '{alias}' is listed twice")
                aliases[alias] = row["model_name"].strip()
    except OSError as exc:
        raise CatalogError(f"cannot read model aliases {path}: {exc.strerror}") from None
    return aliases


def canonical_name(name: str, aliases: dict[str, str] | None = None) -> str:
    """The catalog name an alias stands for; any other name as given."""
    aliases = load_aliases() if aliases is None else aliases
    return aliases.get(name, name)


def resolve_models(
    names: Iterable[str],
    catalog: dict[str, ModelSpec],
    aliases: dict[str, str] | None = None,
) -> list[ModelSpec]:
    """Look names up, aliases resolved to their catalog names (seeds/model_aliases.csv); an
    unknown one raises with the closest catalog names as suggestions."""
    aliases = load_aliases() if aliases is None else aliases
    specs = []
    for name in names:
        if aliases.get(name, name) in catalog:
            specs.append(catalog[aliases.get(name, name)])
            continue
        close = difflib.get_close_matches(name, list(catalog), n=3, cutoff=0.5)
        # "bert" should also find "bert-base-uncased": try substring matches too
        close += [m for m in catalog if name.lower() in m.lower() and m not in close][:3]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CatalogError(f"unknown model '{name}' (not in the model catalog){hint}")
    return specs
