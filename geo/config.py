"""Runtime settings: where layers, reference data, boundary files and caches live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

PACKAGE_DIR = Path(__file__).resolve().parent
#: The checkout's top folder (in an installed wheel: site-packages, which holds no data).
PROJECT_ROOT = PACKAGE_DIR.parent
#: Where a built wheel carries ``data/`` and ``layers/`` (see pyproject.toml).
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
ENV_BOUNDARIES_DIR = "CONFLICTMAP_BOUNDARIES_DIR"
ENV_CACHE_DIR = "CONFLICTMAP_CACHE_DIR"
ENV_LAYERS_DIR = "CONFLICTMAP_LAYERS_DIR"
ENV_STATIC_DIR = "CONFLICTMAP_STATIC_DIR"
ENV_DATA_DIR = "CONFLICTMAP_DATA_DIR"
ENV_MAX_MAP_EVENTS = "CONFLICTMAP_MAX_MAP_EVENTS"


def shipped(name: str) -> Path:
    """``data`` or ``layers``: the checkout's folder, or the copy inside an installed wheel."""
    packaged = SHIPPED_DIR / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


def default_static_dir() -> Path:
    """The folder Streamlit serves at ``/app/static/``: ``static/`` beside ``app.py``.

    In a checkout that is ``<checkout>/static``; with an installed wheel (no
    ``app.py`` in the package) it is ``static/`` in the current folder, where
    ``streamlit run app.py`` is started.
    """
    if (PROJECT_ROOT / "app.py").is_file():
        return PROJECT_ROOT / "static"
    return Path.cwd() / "static"


@dataclass(frozen=True)
class Settings:
    """Where things are. Build one with :meth:`from_env` and pass it in.

    Parameters
    ----------
    layers_dir
        Folder of GeoJSON event layers (one FeatureCollection per episode).
    data_dir
        Folder of reference data shipped with the project (gazetteer, boundary
        manifest, codebook).
    boundaries_dir
        A local folder holding the boundary files named in the manifest. When
        set, nothing is downloaded: files are read (and checksummed) from here.
    cache_dir
        Where downloaded boundary files and prepared browser assets are kept.
    allow_download
        Whether a missing boundary file may be fetched from its canonical URL.
    static_dir
        The folder Streamlit serves at ``/app/static/`` (prepared browser assets).
    datasets_dir
        The data folder of imported datasets (GeoParquet files written by
        ``conflictmap import``), loaded next to the curated layers.
        ``CONFLICTMAP_DATA_DIR``; default a user data directory.
    max_map_events
        The most events the app packs for its map (``CONFLICTMAP_MAX_MAP_EVENTS``).
        Beyond it the app says so and shows totals, tables and exports without the map,
        rather than spending minutes and gigabytes preparing it.
    """

    layers_dir: Path = field(default_factory=lambda: shipped("layers"))
    data_dir: Path = field(default_factory=lambda: shipped("data"))
    boundaries_dir: Path | None = None
    cache_dir: Path = field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("conflictmap"))
    )
    allow_download: bool = True
    static_dir: Path = field(default_factory=default_static_dir)
    datasets_dir: Path = field(
        default_factory=lambda: Path(platformdirs.user_data_dir("conflictmap"))
    )
    max_map_events: int = 300_000

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from ``CONFLICTMAP_*`` environment variables, defaults otherwise."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get(ENV_BOUNDARIES_DIR):
            kwargs["boundaries_dir"] = Path(env[ENV_BOUNDARIES_DIR]).expanduser().resolve()
        if env.get(ENV_CACHE_DIR):
            kwargs["cache_dir"] = Path(env[ENV_CACHE_DIR]).expanduser().resolve()
        if env.get(ENV_LAYERS_DIR):
            kwargs["layers_dir"] = Path(env[ENV_LAYERS_DIR]).expanduser().resolve()
        if env.get(ENV_STATIC_DIR):
            kwargs["static_dir"] = Path(env[ENV_STATIC_DIR]).expanduser().resolve()
        if env.get(ENV_MAX_MAP_EVENTS):
            raw = env[ENV_MAX_MAP_EVENTS]
            if not raw.strip().isdigit():
                raise ValueError(f"{ENV_MAX_MAP_EVENTS} must be a whole number, not {raw!r}")
            kwargs["max_map_events"] = int(raw)
        if env.get(ENV_DATA_DIR):
            kwargs["datasets_dir"] = Path(env[ENV_DATA_DIR]).expanduser().resolve()
        return cls(**kwargs)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]
