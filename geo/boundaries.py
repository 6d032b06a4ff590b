"""Admin boundaries: the checksummed manifest, local or cached files, and the units joins use."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pooch
import shapely
from pydantic import BaseModel, ConfigDict, Field
from pyproj import CRS
from shapely.geometry import Point

from geo._errors import BoundaryDataError
from geo._manifest import read_manifest, sha256_file
from geo.config import ENV_BOUNDARIES_DIR, Settings

#: Coordinates of every boundary file (TopoJSON carries no CRS; geoBoundaries is WGS84 lon/lat).
BOUNDARY_CRS = "EPSG:4326"
#: Metric CRS for areas and distances; UTM zone 38N covers Armenia and Azerbaijan.
METRIC_CRS = "EPSG:32638"
#: Seconds before a boundary download gives up.
DOWNLOAD_TIMEOUT_S = 60
MANIFEST_NAME = "boundaries.json"
FETCH_COMMAND = "conflictmap boundaries fetch"

ARM_REGION_LEVEL = "ARM ADM1 (marz)"
ARM_DISTRICT_LEVEL = "ARM ADM2 (former raion)"
AZE_REGION_LEVEL = "AZE ADM2 (rayon/city)"

#: An ARM ADM2 unit overlapping its assigned marz by less than this share is reported.
PARENT_SHARE_WARN = 0.90

#: GeoNames point of Nakhchivan city (lon, lat), used to tell the two AZE ADM1 units apart.
NAKHCHIVAN_CITY = (45.41222, 39.20889)
#: GeoNames points (lon, lat) of towns whose AZE ADM2 city polygons are known to be coarse
#: (see data/places/place_facts.csv in the shared data: geonameid 146970 and 147105).
COARSE_CITY_CHECKS = (
    ("Stepanakert/Khankendi", "Khankendi City", (46.7528, 39.8177)),
    ("Shusha", "Shusha City", (46.74989, 39.76006)),
)

REGION_COLUMNS = ("country", "region_id", "region", "region_iso", "level", "geometry")
DISTRICT_COLUMNS = (
    "country", "district_id", "district", "region_id", "region", "level",
    "region_overlap_share", "geometry",
)  # fmt: skip


# --------------------------------------------------------------------------- manifest


class BoundaryFile(BaseModel):
    """One boundary file: where it comes from, its checksum, licence and attribution."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    iso3: Literal["ARM", "AZE"]
    adm_level: Literal["ADM0", "ADM1", "ADM2"]
    boundary_id: str
    simplified: bool
    features: int = Field(gt=0)
    url: str = Field(pattern=r"^https://")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(gt=0)
    source: str
    licence: str
    licence_url: str = Field(pattern=r"^https://")
    attribution: str


class Manifest(BaseModel):
    """The boundary files the project uses (``data/boundaries.json``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    release: str
    archive: str
    archive_commit: str
    attribution: str
    files: tuple[BoundaryFile, ...] = Field(min_length=1)

    def file(self, name: str) -> BoundaryFile:
        """The entry for file ``name``; ``KeyError`` listing the known names otherwise."""
        for f in self.files:
            if f.name == name:
                return f
        known = ", ".join(f.name for f in self.files)
        raise KeyError(f"{name!r} is not in the boundary manifest (known: {known})")

    def layer(self, iso3: str, adm_level: str) -> BoundaryFile:
        """The entry for one country and admin level, e.g. ``layer("ARM", "ADM1")``."""
        for f in self.files:
            if f.iso3 == iso3 and f.adm_level == adm_level:
                return f
        raise KeyError(f"no {iso3} {adm_level} file in the boundary manifest")


def load_manifest(settings: Settings) -> Manifest:
    """Read and check ``<data_dir>/boundaries.json``.

    Raises
    ------
    BoundaryDataError
        If the manifest is missing or malformed.
    """
    path = Path(settings.data_dir) / MANIFEST_NAME
    return read_manifest(path, Manifest, error=BoundaryDataError, what="boundary manifest")


def attribution(settings: Settings) -> str:
    """The attribution line to show wherever the boundaries are displayed."""
    return load_manifest(settings).attribution


# --------------------------------------------------------------------------- files


def _check_sha256(path: Path, entry: BoundaryFile) -> None:
    actual = sha256_file(path)
    if actual != entry.sha256:
        raise BoundaryDataError(
            f"boundary file {entry.name} at {path} fails its checksum: expected sha256 "
            f"{entry.sha256}, got {actual} ({path.stat().st_size:,} bytes; expected "
            f"{entry.bytes:,}). Replace it with the file from {entry.url}"
        )


def _how_to_get(entry: BoundaryFile, settings: Settings) -> str:
    cache = Path(settings.cache_dir) / "boundaries"
    return (
        f"Download it from {entry.url}, or run `{FETCH_COMMAND}` (with {ENV_BOUNDARIES_DIR} "
        f"unset it downloads every boundary file, checksummed, into {cache}), or set "
        f"{ENV_BOUNDARIES_DIR} to a folder that holds the files."
    )


def boundary_file(settings: Settings, name: str) -> Path:
    """Path to a checksummed local copy of boundary file ``name``.

    With ``settings.boundaries_dir`` set, the file must be there: nothing is
    downloaded. Otherwise the file is taken from ``<cache_dir>/boundaries`` or,
    if ``settings.allow_download``, downloaded there from its canonical URL
    (with a timeout) by :func:`pooch.retrieve`, which checks the sha256.

    Raises
    ------
    BoundaryDataError
        If the file is missing (saying where it looked and how to get it), fails
        its sha256, or cannot be downloaded.
    """
    manifest = load_manifest(settings)
    try:
        entry = manifest.file(name)
    except KeyError as exc:
        raise BoundaryDataError(str(exc.args[0])) from None

    if settings.boundaries_dir is not None:
        path = Path(settings.boundaries_dir) / entry.name
        if not path.is_file():
            raise BoundaryDataError(
                f"boundary file {entry.name} not found in {settings.boundaries_dir} "
                f"(set by {ENV_BOUNDARIES_DIR}). " + _how_to_get(entry, settings)
            )
        _check_sha256(path, entry)
        return path

    cache = Path(settings.cache_dir) / "boundaries"
    cached = cache / entry.name
    if cached.is_file() and sha256_file(cached) == entry.sha256:
        return cached
    if not settings.allow_download:
        state = "fails its checksum" if cached.is_file() else "is not"
        raise BoundaryDataError(
            f"boundary file {entry.name} {state} in the cache {cache} and downloads are "
            "disabled (allow_download=False). " + _how_to_get(entry, settings)
        )
    try:
        got = pooch.retrieve(
            entry.url,
            known_hash=f"sha256:{entry.sha256}",
            fname=entry.name,
            path=cache,
            downloader=pooch.HTTPDownloader(timeout=DOWNLOAD_TIMEOUT_S, progressbar=False),
            progressbar=False,
        )
    except Exception as exc:  # network errors (requests) and checksum errors (ValueError)
        raise BoundaryDataError(
            f"could not download boundary file {entry.name} from {entry.url} into {cache}: "
            f"{exc}. Set {ENV_BOUNDARIES_DIR} to a folder that holds the files instead."
        ) from exc
    return Path(got)


def fetch_all(settings: Settings) -> list[Path]:
    """Make every boundary file in the manifest available locally; their paths, in order."""
    return [boundary_file(settings, f.name) for f in load_manifest(settings).files]


def read_boundary_file(settings: Settings, entry: BoundaryFile) -> gpd.GeoDataFrame:
    """Read one boundary file (checksummed) as a GeoDataFrame in EPSG:4326."""
    path = boundary_file(settings, entry.name)
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise BoundaryDataError(f"cannot read boundary file {path}: {exc}") from exc
    if gdf.crs is None:  # TopoJSON has no CRS; geoBoundaries coordinates are lon/lat
        gdf = gdf.set_crs(BOUNDARY_CRS)
    elif not gdf.crs.equals(BOUNDARY_CRS, ignore_axis_order=True):
        raise BoundaryDataError(f"boundary file {path} is in {gdf.crs}, expected {BOUNDARY_CRS}")
    problems = []
    if len(gdf) != entry.features:
        problems.append(f"{len(gdf)} features, the manifest says {entry.features}")
    missing = {"shapeName", "shapeID"} - set(gdf.columns)
    if missing:
        problems.append(f"no column(s) {', '.join(sorted(missing))}")
    bad = [str(i) for i, ok in zip(gdf.index, gdf.is_valid & ~gdf.is_empty, strict=True) if not ok]
    if bad:
        problems.append(f"invalid or empty geometry in feature(s) {', '.join(bad)}")
    if problems:
        raise BoundaryDataError(f"boundary file {path}: " + "; ".join(problems))
    return gdf.drop(columns=["id"], errors="ignore")


# --------------------------------------------------------------------------- admin units


@dataclass(frozen=True, eq=False)
class AdminUnits:
    """The admin units events are joined to, all in one CRS.

    Build it with :func:`load_admin_units`, or by hand from frames (tests).

    Parameters
    ----------
    regions
        First-level units: ``country`` (ISO3), ``region_id``, ``region`` and
        geometry; the loader adds ``region_iso`` and ``level``. Armenia: its 11
        marzer (ADM1). Azerbaijan: its rayons and cities (ADM2), which are its
        official first-level divisions.
    districts
        Second-level units: ``country``, ``district_id``, ``district``, and the
        parent's ``region_id`` and ``region``. Azerbaijan has no finer level, so
        its districts are its regions.
    countries
        One row per country: ``country``, ``name``, geometry.
    azerbaijan_adm1
        The two AZE ADM1 units (mainland, Nakhchivan) with corrected labels.
    defects
        What was detected in the boundary data and what was done about it.
    """

    regions: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    countries: gpd.GeoDataFrame | None = None
    azerbaijan_adm1: gpd.GeoDataFrame | None = None
    defects: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        problems: list[str] = []
        for label, frame, cols in (
            ("regions", self.regions, ("country", "region_id", "region")),
            ("districts", self.districts, ("country", "district_id", "district", "region_id")),
        ):
            if not isinstance(frame, gpd.GeoDataFrame):
                problems.append(f"{label} must be a GeoDataFrame, got {type(frame).__name__}")
                continue
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                problems.append(f"{label} lack column(s) {', '.join(missing)}")
            if frame.crs is None:
                problems.append(f"{label} have no CRS")
        if problems:
            raise ValueError("AdminUnits: " + "; ".join(problems))
        if not self.districts.crs.equals(self.regions.crs):
            problems.append(
                f"districts are in {self.districts.crs.to_string()} but regions in "
                f"{self.regions.crs.to_string()}"
            )
        for label, frame, key in (
            ("regions", self.regions, ["region_id"]),
            ("regions", self.regions, ["country", "region"]),
            ("districts", self.districts, ["district_id"]),
        ):
            dup = frame[frame.duplicated(key, keep=False)]
            if len(dup):
                vals = sorted({" / ".join(map(str, r)) for r in dup[key].itertuples(index=False)})
                problems.append(f"{label}: {'+'.join(key)} repeated: {', '.join(vals)}")
        orphans = set(self.districts["region_id"]) - set(self.regions["region_id"])
        if orphans:
            problems.append(
                "districts name region_id(s) not in regions: "
                + ", ".join(sorted(map(str, orphans)))
            )
        if problems:
            raise ValueError("AdminUnits: " + "; ".join(problems))

    @property
    def crs(self) -> CRS:
        """The CRS of every layer."""
        return self.regions.crs

    @functools.cached_property
    def regions_metric(self) -> gpd.GeoSeries:
        """Region geometries in :data:`METRIC_CRS` (same positions as ``regions``)."""
        return self.regions.geometry.to_crs(METRIC_CRS)

    @functools.cached_property
    def districts_metric(self) -> gpd.GeoSeries:
        """District geometries in :data:`METRIC_CRS` (same positions as ``districts``)."""
        return self.districts.geometry.to_crs(METRIC_CRS)

    def copy(self) -> AdminUnits:
        """A deep copy (frames copied), safe to modify."""
        new = AdminUnits(
            regions=self.regions.copy(),
            districts=self.districts.copy(),
            countries=None if self.countries is None else self.countries.copy(),
            azerbaijan_adm1=None if self.azerbaijan_adm1 is None else self.azerbaijan_adm1.copy(),
            defects=list(self.defects),
        )
        for name in ("regions_metric", "districts_metric"):  # carry over computed projections
            if name in self.__dict__:
                new.__dict__[name] = self.__dict__[name].copy()
        return new


def _km2(area_m2: float) -> str:
    return f"{area_m2 / 1e6:,.0f} km²"


def correct_aze_adm1_labels(adm1: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Check the AZE ADM1 labels against geometry; swap them back if they are swapped.

    The unit that is Nakhchivan must contain Nakhchivan city and be the smaller
    one. Returns the units with columns ``country, adm1_id, adm1, adm1_iso,
    file_label, geometry`` and the defects found (empty when labels are right).
    """
    nx_rows = adm1.index[adm1["shapeISO"] == "AZ-NX"]
    caz_rows = adm1.index[adm1["shapeISO"] == "AZ-CAZ"]
    if len(adm1) != 2 or len(nx_rows) != 1 or len(caz_rows) != 1:
        raise BoundaryDataError(
            f"AZE ADM1: expected two units labelled AZ-NX and AZ-CAZ, got {list(adm1['shapeISO'])}"
        )
    nx, caz = nx_rows[0], caz_rows[0]
    city = Point(*NAKHCHIVAN_CITY)
    area = adm1.geometry.to_crs(METRIC_CRS).area
    nx_has_city = bool(adm1.geometry[nx].contains(city))
    caz_has_city = bool(adm1.geometry[caz].contains(city))
    by_point = (not nx_has_city and caz_has_city, nx_has_city and not caz_has_city)
    by_area = (area[nx] > area[caz], area[nx] < area[caz])

    out = gpd.GeoDataFrame(
        {
            "country": "AZE",
            "adm1_id": adm1["shapeID"],
            "adm1": adm1["shapeName"],
            "adm1_iso": adm1["shapeISO"],
            "file_label": adm1["shapeName"],
        },
        geometry=adm1.geometry,
        crs=adm1.crs,
    )
    lon, lat = NAKHCHIVAN_CITY
    if by_point[0] and by_area[0]:
        for a, b in ((nx, caz), (caz, nx)):
            out.loc[a, ["adm1", "adm1_iso"]] = [adm1.at[b, "shapeName"], adm1.at[b, "shapeISO"]]
        defect = (
            "AZE ADM1: labels are swapped in the file. The unit labelled "
            f"{adm1.at[nx, 'shapeName']!r} ({adm1.at[nx, 'shapeISO']}) covers "
            f"{_km2(area[nx])} and does not contain Nakhchivan city ({lat} N, {lon} E); the one "
            f"labelled {adm1.at[caz, 'shapeName']!r} ({adm1.at[caz, 'shapeISO']}) covers "
            f"{_km2(area[caz])} and contains it. Names and ISO codes were swapped back."
        )
        return out.reset_index(drop=True), [defect]
    if by_point[1] and by_area[1]:
        return out.reset_index(drop=True), []
    raise BoundaryDataError(
        "AZE ADM1: cannot tell which unit is Nakhchivan: the unit labelled AZ-NX "
        f"{'contains' if nx_has_city else 'does not contain'} Nakhchivan city ({lat} N, {lon} E) "
        f"and covers {_km2(area[nx])}; the unit labelled AZ-CAZ "
        f"{'contains' if caz_has_city else 'does not contain'} it and covers {_km2(area[caz])}"
    )


def dissolve_duplicate_names(
    gdf: gpd.GeoDataFrame, *, label: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Merge features sharing a ``shapeName`` into one (ids joined with '+'), keeping order.

    Returns the frame (RangeIndex) and one defect line per merged name.
    """
    dup = gdf["shapeName"].duplicated(keep=False)
    if not dup.any():
        return gdf.reset_index(drop=True), []
    defects: list[str] = []
    out = gdf[~gdf["shapeName"].duplicated(keep="first")].copy()
    geoms = out.geometry.to_numpy().copy()
    ids = out["shapeID"].to_numpy(dtype=object).copy()
    metric = gdf.geometry.to_crs(METRIC_CRS)
    for name, grp in gdf[dup].groupby("shapeName", sort=False):
        pos = out.index.get_loc(grp.index[0])
        geoms[pos] = shapely.union_all(grp.geometry.to_numpy())
        ids[pos] = "+".join(grp["shapeID"])
        pieces = metric.loc[grp.index].to_numpy()
        n_parts = int(shapely.get_num_geometries(pieces).sum())
        merged_parts = shapely.get_num_geometries(shapely.union_all(pieces))
        touching = "touching" if merged_parts < n_parts else "not touching"
        sizes = " and ".join(_km2(a) for a in shapely.area(pieces))
        defects.append(
            f"{label}: {name!r} appears {len(grp)} times as separate features "
            f"({', '.join(grp['shapeID'])}; {sizes}, {touching}); merged into one unit so "
            "its events and totals are not split"
        )
    out["shapeID"] = ids
    out["geometry"] = gpd.GeoSeries(geoms, index=out.index, crs=gdf.crs)
    return out.reset_index(drop=True), defects


def assign_parents(
    adm2: gpd.GeoDataFrame, adm1: gpd.GeoDataFrame, *, label: str
) -> tuple[pd.DataFrame, list[str]]:
    """Parent ADM1 of each ADM2 unit by largest area of overlap.

    Returns one row per ``adm2`` row (same index) with ``parent`` (position in
    ``adm1``) and ``share`` (overlap area / unit area), and defect lines for
    units whose share is below :data:`PARENT_SHARE_WARN`.
    """
    a2 = adm2.geometry.to_crs(METRIC_CRS).to_numpy()
    a1 = adm1.geometry.to_crs(METRIC_CRS).to_numpy()
    i2, i1 = shapely.STRtree(a1).query(a2, predicate="intersects")
    pairs = pd.DataFrame(
        {"i2": i2, "i1": i1, "area": shapely.area(shapely.intersection(a2[i2], a1[i1]))}
    )
    pairs["share"] = pairs["area"] / shapely.area(a2)[pairs["i2"]]
    pairs = pairs.sort_values(["i2", "share"], ascending=[True, False], kind="stable")
    orphans = sorted(set(range(len(a2))) - set(pairs.loc[pairs["share"] > 0, "i2"]))
    if orphans:
        names = ", ".join(str(adm2["shapeName"].iloc[i]) for i in orphans)
        raise BoundaryDataError(f"{label}: unit(s) {names} overlap no ADM1 unit")
    best = pairs.groupby("i2").head(1).set_index("i2")
    out = pd.DataFrame(
        {"parent": best["i1"].to_numpy(), "share": best["share"].to_numpy()}, index=adm2.index
    )
    weak = out[out["share"] < PARENT_SHARE_WARN]
    if len(weak):
        names1 = adm1["shapeName"].to_numpy()
        parts = []
        for pos in (adm2.index.get_loc(i) for i in weak.index):
            ranked = pairs[pairs["i2"] == pos]
            desc = ", ".join(f"{names1[r.i1]} {r.share:.1%}" for r in ranked.head(3).itertuples())
            parts.append(f"{adm2['shapeName'].iloc[pos]} ({desc})")
        defects = [
            f"{label}: {len(weak)} of {len(adm2)} units overlap their assigned ADM1 unit by less "
            f"than {PARENT_SHARE_WARN:.0%} (ADM1 and ADM2 come from different sources): "
            + "; ".join(parts)
            + ". Each is assigned to the ADM1 unit it overlaps most; an event's district is "
            "always chosen among the districts of its region."
        ]
    else:
        defects = []
    return out, defects


def _arm_coverage_gap(adm1: gpd.GeoDataFrame, adm2: gpd.GeoDataFrame) -> list[str]:
    m1 = adm1.geometry.to_crs(METRIC_CRS)
    gap = shapely.difference(m1.union_all(), adm2.geometry.to_crs(METRIC_CRS).union_all())
    if gap.area < 1e6:
        return []
    largest = max(shapely.get_parts(gap), key=lambda g: g.area)
    shares = shapely.area(shapely.intersection(m1.to_numpy(), largest))
    host = adm1["shapeName"].iloc[int(np.argmax(shares))]
    return [
        f"ARM ADM2 leaves {_km2(gap.area)} of ARM ADM1 uncovered; the largest gap "
        f"({_km2(largest.area)}) lies in {host}. Events there get their marz; their district "
        "is the nearest district of that marz within the join tolerance, else none."
    ]


def _cross_border_overlap(regions: gpd.GeoDataFrame) -> list[str]:
    metric = regions.geometry.to_crs(METRIC_CRS)
    arm = metric[regions["country"] == "ARM"].union_all()
    aze = metric[regions["country"] == "AZE"].union_all()
    overlap = shapely.intersection(arm, aze).area
    if overlap < 1e6:
        return []
    return [
        f"ARM and AZE units overlap by {_km2(overlap)} along the border (ARM ADM1 vs AZE ADM2); "
        "handled by the join: each event is joined only to its own country's units."
    ]


def _coarse_cities(regions: gpd.GeoDataFrame) -> list[str]:
    aze = regions[regions["country"] == "AZE"]
    metric = aze.geometry.to_crs(METRIC_CRS)
    out = []
    for town, unit, (lon, lat) in COARSE_CITY_CHECKS:
        rows = aze.index[aze["region"] == unit]
        if len(rows) != 1:
            continue
        pt = gpd.GeoSeries([Point(lon, lat)], crs=BOUNDARY_CRS).to_crs(METRIC_CRS).iloc[0]
        dist = float(metric[rows[0]].distance(pt))
        if dist > 0:
            inside = aze.loc[metric.contains(pt), "region"].tolist()
            where = f"inside {', '.join(inside)}" if inside else "inside no unit"
            out.append(
                f"AZE ADM2 is coarse: the GeoNames point of {town} ({lat} N, {lon} E) is "
                f"{dist:,.0f} m outside {unit!r} and {where}. Handled by the join: an event "
                "whose gazetteer region is within the tolerance of the point gets that region "
                "(join_method 'gazetteer', disagreement noted in admin_note)."
            )
    return out


def build_admin_units(
    *,
    arm_adm0: gpd.GeoDataFrame,
    arm_adm1: gpd.GeoDataFrame,
    arm_adm2: gpd.GeoDataFrame,
    aze_adm1: gpd.GeoDataFrame,
    aze_adm2: gpd.GeoDataFrame,
) -> AdminUnits:
    """Assemble :class:`AdminUnits` from the five raw geoBoundaries layers (EPSG:4326).

    Detects and handles the known defects; see ``data/BOUNDARIES.md``.
    """
    defects: list[str] = []

    arm_regions = gpd.GeoDataFrame(
        {
            "country": "ARM",
            "region_id": arm_adm1["shapeID"],
            "region": arm_adm1["shapeName"],
            "region_iso": arm_adm1["shapeISO"].fillna("") if "shapeISO" in arm_adm1 else "",
            "level": ARM_REGION_LEVEL,
        },
        geometry=arm_adm1.geometry,
        crs=arm_adm1.crs,
    )
    aze2, found = dissolve_duplicate_names(aze_adm2, label="AZE ADM2")
    defects += found
    aze_regions = gpd.GeoDataFrame(
        {
            "country": "AZE",
            "region_id": aze2["shapeID"],
            "region": aze2["shapeName"],
            "region_iso": "",  # shapeISO in AZE ADM2 is just 'AZE'
            "level": AZE_REGION_LEVEL,
        },
        geometry=aze2.geometry,
        crs=aze2.crs,
    )
    regions = _sorted(pd.concat([arm_regions, aze_regions]), ["country", "region"])

    parents, found = assign_parents(arm_adm2, arm_adm1, label="ARM ADM2")
    defects += found
    parent_rows = arm_adm1.iloc[parents["parent"].to_numpy()]
    arm_districts = gpd.GeoDataFrame(
        {
            "country": "ARM",
            "district_id": arm_adm2["shapeID"].to_numpy(),
            "district": arm_adm2["shapeName"].to_numpy(),
            "region_id": parent_rows["shapeID"].to_numpy(),
            "region": parent_rows["shapeName"].to_numpy(),
            "level": ARM_DISTRICT_LEVEL,
            "region_overlap_share": parents["share"].to_numpy(),
        },
        geometry=arm_adm2.geometry.to_numpy(),
        crs=arm_adm2.crs,
    )
    aze_districts = gpd.GeoDataFrame(
        {
            "country": "AZE",
            "district_id": aze_regions["region_id"],
            "district": aze_regions["region"],
            "region_id": aze_regions["region_id"],
            "region": aze_regions["region"],
            "level": AZE_REGION_LEVEL,
            "region_overlap_share": 1.0,
        },
        geometry=aze_regions.geometry,
        crs=aze_regions.crs,
    )
    districts = _sorted(pd.concat([arm_districts, aze_districts]), ["country", "district"])

    countries = gpd.GeoDataFrame(
        {"country": ["ARM", "AZE"], "name": [str(arm_adm0["shapeName"].iloc[0]), "Azerbaijan"]},
        geometry=[arm_adm0.geometry.union_all(), aze_adm2.geometry.union_all()],
        crs=arm_adm0.crs,
    )
    adm1, found = correct_aze_adm1_labels(aze_adm1)
    defects += found
    defects += _arm_coverage_gap(arm_adm1, arm_adm2)
    defects += _cross_border_overlap(regions)
    defects += _coarse_cities(regions)
    return AdminUnits(
        regions=regions[list(REGION_COLUMNS)],
        districts=districts[list(DISTRICT_COLUMNS)],
        countries=countries,
        azerbaijan_adm1=adm1,
        defects=defects,
    )


def _sorted(frame: pd.DataFrame, by: list[str]) -> gpd.GeoDataFrame:
    out = frame.sort_values(by, kind="stable").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs)


@functools.lru_cache(maxsize=8)
def _load_admin_units(settings: Settings) -> AdminUnits:
    manifest = load_manifest(settings)

    def read(iso3: str, level: str) -> gpd.GeoDataFrame:
        return read_boundary_file(settings, manifest.layer(iso3, level))

    units = build_admin_units(
        arm_adm0=read("ARM", "ADM0"),
        arm_adm1=read("ARM", "ADM1"),
        arm_adm2=read("ARM", "ADM2"),
        aze_adm1=read("AZE", "ADM1"),
        aze_adm2=read("AZE", "ADM2"),
    )
    _ = units.regions_metric, units.districts_metric  # project once, while cached
    return units


def load_admin_units(settings: Settings) -> AdminUnits:
    """The admin units from the boundary files in the manifest (read once per settings).

    Every call returns a fresh copy of the frames, so callers may modify them.

    Raises
    ------
    BoundaryDataError
        If a file is missing, fails its checksum or its contents are unexpected.
    """
    return _load_admin_units(settings).copy()
