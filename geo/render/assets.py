"""Pinned offline copies of the map's browser libraries: fetch with npm, verify, serve locally."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo._errors import AssetError
from geo._manifest import read_json, sha256_bytes, sha256_file, validate_manifest
from geo.config import Settings
from geo.render._immutable import mark_immutable

MANIFEST_NAME = "assets.json"
#: Sub-folder of ``Settings.static_dir`` (served by Streamlit at ``/app/static/``,
#: ``server.enableStaticServing``) the prepared copies are published to. Streamlit resolves
#: symlinks and refuses files outside ``static/``, so the files are copied there, not linked.
VENDOR_SUBDIR = "vendor"
#: URL of the vendor folder as the browser sees it. Absolute from the server's origin: the map
#: is drawn inside a component iframe (``/component/...``, map_frame.py), where a
#: relative ``app/static/...`` would resolve under the component's own path.
DEFAULT_BASE_URL = "/app/static/vendor"
#: Sub-folder of ``Settings.cache_dir`` holding the prepared copies.
CACHE_SUBDIR = "assets"
#: Seconds one ``npm pack`` may take before it is abandoned.
NPM_TIMEOUT_S = 120.0
ASSETS_COMMAND = "conflictmap assets"

_SHA256 = r"^[0-9a-f]{64}$"
_PATH_CHARS = r"^[A-Za-z0-9@._+-]+(/[A-Za-z0-9@._+-]+)*$"


# --------------------------------------------------------------------------- manifest


class AssetFile(BaseModel):
    """One file taken from a package, with the sha256 of its bytes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str = Field(pattern=_PATH_CHARS)
    sha256: str = Field(pattern=_SHA256)

    @field_validator("path")
    @classmethod
    def _relative_without_dots(cls, value: str) -> str:
        if any(part in (".", "..") for part in value.split("/")):
            raise ValueError(f"{value!r} must be a plain relative path inside the package")
        return value


class AssetPackage(BaseModel):
    """An npm package pinned to one version (or a small file generated here, ``generated``).

    ``spec`` is what ``npm pack`` is given (``leaflet@1.9.3``); ``tarball_sha256`` is the
    sha256 of the tarball it writes (the registry's own bytes).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: str = Field(
        pattern=r"^(@[a-z0-9._-]+/)?[a-z0-9._-]+@[0-9][0-9A-Za-z.+-]*$|^generated:[a-z0-9-]+$"
    )
    tarball_sha256: str | None = Field(default=None, pattern=_SHA256)
    licence: str
    note: str = ""
    files: tuple[AssetFile, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _tarball_hash_for_npm(self) -> AssetPackage:
        if self.is_generated != (self.tarball_sha256 is None):
            raise ValueError("an npm package needs tarball_sha256; a generated one has none")
        return self

    @property
    def is_generated(self) -> bool:
        return self.spec.startswith("generated:")

    @property
    def dirname(self) -> str:
        """Folder of this package under the cache and ``static/vendor``: ``leaflet@1.9.3``."""
        return self.spec.replace("generated:", "generated-").lstrip("@").replace("/", "-")

    def file(self, path: str) -> AssetFile:
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(f"{path!r} is not listed for {self.spec}")


class AssetUrl(BaseModel):
    """A CDN URL folium or a plugin loads, and the pinned file that replaces it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(pattern=r"^https://")
    package: str
    path: str
    note: str = ""


class AssetManifest(BaseModel):
    """``data/assets.json``: packages to fetch and the CDN URLs they stand in for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    about: str
    packages: tuple[AssetPackage, ...] = Field(min_length=1)
    urls: tuple[AssetUrl, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _urls_point_at_listed_files(self) -> AssetManifest:
        problems: list[str] = []
        specs = [p.spec for p in self.packages]
        problems += [
            f"package {s} is listed twice" for s in sorted(set(specs)) if specs.count(s) > 1
        ]
        seen: set[str] = set()
        for entry in self.urls:
            if entry.url in seen:
                problems.append(f"url {entry.url} is listed twice")
            seen.add(entry.url)
            try:
                self.package(entry.package).file(entry.path)
            except KeyError as exc:
                problems.append(f"url {entry.url}: {exc.args[0]}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def package(self, spec: str) -> AssetPackage:
        for p in self.packages:
            if p.spec == spec:
                return p
        raise KeyError(f"package {spec!r} is not in the asset manifest")


def parse_manifest(data: object, *, origin: str = MANIFEST_NAME) -> AssetManifest:
    """Check a manifest dict; ``AssetError`` naming every problem otherwise."""
    return validate_manifest(
        data, AssetManifest, error=AssetError, what="asset manifest", origin=origin
    )


def load_manifest(settings: Settings) -> AssetManifest:
    """Read and check ``<data_dir>/assets.json``."""
    path = Path(settings.data_dir) / MANIFEST_NAME
    return parse_manifest(
        read_json(path, error=AssetError, what="asset manifest"), origin=str(path)
    )


# --------------------------------------------------------------------------- generated files


def awesome_rotate_css() -> bytes:
    """``leaflet.awesome.rotate.min.css``: the rotation rules folium's awesome markers use.

    folium loads this from its own GitHub repository, which no package registry carries;
    the rules (``.fa-rotate-1`` to ``.fa-rotate-360``) are regenerated here instead.
    """
    rules = (
        f".fa-rotate-{d}{{-ms-transform:rotate({d}deg);-webkit-transform:rotate({d}deg);"
        f"transform:rotate({d}deg)}}"
        for d in range(1, 361)
    )
    return ("\n".join(rules) + "\n").encode("ascii")


_GENERATORS: dict[str, Callable[[], bytes]] = {
    "generated:folium-awesome-rotate": awesome_rotate_css,
}


# --------------------------------------------------------------------------- verification


@functools.lru_cache(maxsize=512)
def _cached_sha256(path: str, size: int, mtime_ns: int) -> str:
    # keyed on size and mtime so a rerun of the app does not re-hash unchanged files
    return sha256_file(Path(path))


def _mismatch(package: AssetPackage, f: AssetFile, where: Path, actual: str) -> str:
    return (
        f"{package.spec} {f.path} ({where}): sha256 mismatch, expected {f.sha256}, actual {actual}"
    )


def verify_tree(manifest: AssetManifest, root: Path) -> list[str]:
    """Every problem with the prepared copies under ``root`` (missing file, wrong sha256).

    An empty list means every file of every package is present and verified.
    """
    problems: list[str] = []
    for package in manifest.packages:
        problems += _verify_package(package, Path(root) / package.dirname)
    return problems


def _verify_package(package: AssetPackage, folder: Path) -> list[str]:
    if not folder.is_dir():
        return [f"{package.spec}: not prepared ({folder} is missing)"]
    problems: list[str] = []
    for f in package.files:
        path = folder / f.path
        try:
            st = path.stat()
        except FileNotFoundError:
            problems.append(f"{package.spec} {f.path}: missing ({path})")
            continue
        actual = _cached_sha256(str(path), st.st_size, st.st_mtime_ns)
        if actual != f.sha256:
            problems.append(_mismatch(package, f, path, actual))
    return problems


# --------------------------------------------------------------------------- preparation


def cache_root(settings: Settings) -> Path:
    """Where :func:`prepare_assets` keeps the verified copies."""
    return Path(settings.cache_dir) / CACHE_SUBDIR


def prepare_assets(
    settings: Settings,
    *,
    force: bool = False,
    npm: str = "npm",
    timeout: float = NPM_TIMEOUT_S,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Fetch every pinned package with ``npm pack``, verify it and extract the files needed.

    Each package is packed into a temporary folder under ``<cache_dir>/assets``; the
    tarball's sha256 and each extracted file's sha256 are checked against
    ``data/assets.json`` and only then is the package folder moved into place (an
    interrupted run leaves the previous copy intact). Packages whose files already verify
    are skipped unless ``force``.

    Parameters
    ----------
    settings
        Where the manifest (``data_dir``) and the cache (``cache_dir``) are.
    force
        Fetch again even if the cached copy verifies.
    npm
        The npm executable (a name looked up on ``PATH``, or a path).
    timeout
        Seconds each ``npm pack`` may take.
    progress
        Called with one line per package (what was skipped, fetched or generated).

    Returns
    -------
    Path
        The cache folder: ``<cache_dir>/assets/<package>@<version>/<path in package>``.

    Raises
    ------
    AssetError
        If npm is missing, fails or times out, or a tarball or file has the wrong sha256.
    """
    manifest = load_manifest(settings)
    root = cache_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _line: None)
    npm_path: str | None = None
    for package in manifest.packages:
        target = root / package.dirname
        if not force and target.is_dir() and not _verify_package(package, target):
            say(f"verified {package.spec} ({len(package.files)} file(s), cached)")
            continue
        with tempfile.TemporaryDirectory(dir=root, prefix=".tmp-") as tmp:
            staging = Path(tmp) / package.dirname
            if package.is_generated:
                _generate(package, staging)
                how = "generated"
            else:
                if npm_path is None:
                    npm_path = _find_npm(npm)
                tarball = _npm_pack(npm_path, package, Path(tmp), timeout=timeout)
                _extract(package, tarball, staging)
                how = "fetched"
            _replace_dir(staging, target)
        say(f"{how} {package.spec} ({len(package.files)} file(s), sha256 verified)")
    return root


def _find_npm(npm: str) -> str:
    found = shutil.which(npm)
    if found is None:
        raise AssetError(
            f"npm was not found ({npm!r} is not on PATH): it is needed once to fetch the "
            "map's pinned JavaScript/CSS packages (Debian: apt-get install npm), "
            f"then run `{ASSETS_COMMAND}` again"
        )
    return found


def _npm_pack(npm: str, package: AssetPackage, dest: Path, *, timeout: float) -> Path:
    env = {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        "npm_config_loglevel": "error",
    }
    cmd = [npm, "pack", package.spec, "--pack-destination", str(dest)]
    try:
        # own process group, so a timeout also ends npm's children (which hold the pipes)
        proc = subprocess.Popen(
            cmd,
            cwd=dest,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise AssetError(f"`npm pack {package.spec}` could not run: {exc}") from exc
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssetError(f"`npm pack {package.spec}` timed out after {timeout:g} s") from None
    if proc.returncode != 0:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-5:])
        raise AssetError(f"`npm pack {package.spec}` failed (exit {proc.returncode}):\n{tail}")
    tarballs = sorted(dest.glob("*.tgz"))
    if len(tarballs) != 1:
        raise AssetError(
            f"`npm pack {package.spec}` wrote {len(tarballs)} tarball(s) in {dest}, expected 1"
        )
    actual = sha256_file(tarballs[0])
    if actual != package.tarball_sha256:
        raise AssetError(
            f"{package.spec} tarball {tarballs[0].name}: sha256 mismatch, "
            f"expected {package.tarball_sha256}, actual {actual}"
        )
    return tarballs[0]


def _extract(package: AssetPackage, tarball: Path, staging: Path) -> None:
    """Copy the listed files out of an npm tarball (members ``package/<path>``), verified."""
    wanted = {f"package/{f.path}": f for f in package.files}
    found: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar:
            if member.name in wanted and member.isfile():
                fh = tar.extractfile(member)
                if fh is not None:
                    found[member.name] = fh.read()
    problems: list[str] = []
    for name, f in wanted.items():
        if name not in found:
            problems.append(f"{package.spec} {f.path}: not in tarball {tarball.name}")
            continue
        actual = sha256_bytes(found[name])
        if actual != f.sha256:
            problems.append(_mismatch(package, f, tarball, actual))
    if problems:
        raise AssetError("\n".join(problems))
    for name, f in wanted.items():
        _write(staging / f.path, found[name])


def _generate(package: AssetPackage, staging: Path) -> None:
    generator = _GENERATORS.get(package.spec)
    if generator is None:
        raise AssetError(f"{package.spec}: no generator for this file in geo.render.assets")
    data = generator()
    for f in package.files:  # a generator writes one file
        actual = sha256_bytes(data)
        if actual != f.sha256:
            raise AssetError(_mismatch(package, f, staging / f.path, actual))
        _write(staging / f.path, data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _replace_dir(new: Path, target: Path) -> None:
    """Put folder ``new`` at ``target``; the old folder is removed only after the swap."""
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        target.replace(old)
    new.replace(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- serving


def vendor_path(settings: Settings) -> Path:
    """Where the prepared copies are served from: ``<static_dir>/vendor``."""
    return Path(settings.static_dir) / VENDOR_SUBDIR


def publish_assets(
    settings: Settings,
    *,
    vendor_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Copy the verified cache into ``static/vendor`` so Streamlit serves it.

    Files already present with the right sha256 are left alone. The folder is gitignored.

    Raises
    ------
    AssetError
        If the cache is incomplete (run :func:`prepare_assets` first).
    """
    manifest = load_manifest(settings)
    root = cache_root(settings)
    problems = verify_tree(manifest, root)
    if problems:
        raise AssetError(
            f"the asset cache {root} is not ready; run `{ASSETS_COMMAND}`:\n" + "\n".join(problems)
        )
    vendor_dir = Path(vendor_dir) if vendor_dir is not None else vendor_path(settings)
    copied = 0
    for package in manifest.packages:
        for f in package.files:
            dest = vendor_dir / package.dirname / f.path
            if not (dest.is_file() and sha256_file(dest) == f.sha256):
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
                shutil.copyfile(root / package.dirname / f.path, tmp)
                tmp.replace(dest)
                copied += 1
            mark_immutable(dest)  # under a pinned version: browsers may keep it
    if progress is not None:
        total = sum(len(p.files) for p in manifest.packages)
        progress(f"published {total} file(s) to {vendor_dir} ({copied} copied)")
    return vendor_dir


def asset_urls(
    settings: Settings,
    base_url: str = DEFAULT_BASE_URL,
    *,
    vendor_dir: Path | None = None,
) -> dict[str, str] | None:
    """Map each CDN URL the map loads to its locally served copy, or ``None`` if not ready.

    ``None`` (the map then loads from the CDNs) unless every file of the manifest is in
    ``vendor_dir`` with the right sha256. Hashes are remembered per file size and mtime, so
    calling this on every rerun is cheap.

    Parameters
    ----------
    settings
        Where the manifest is (``data_dir``).
    base_url
        The URL at which ``vendor_dir`` is served. The default, absolute from the
        Streamlit server's origin, works inside the map's component iframe; prefix it
        with ``server.baseUrlPath`` when the app is served below a path.
    vendor_dir
        The folder holding the published copies (default: :func:`vendor_path`).
    """
    manifest = load_manifest(settings)
    if verify_tree(manifest, Path(vendor_dir) if vendor_dir else vendor_path(settings)):
        return None
    base = base_url.rstrip("/")
    return {
        entry.url: f"{base}/{manifest.package(entry.package).dirname}/{entry.path}"
        for entry in manifest.urls
    }


def check_assets(settings: Settings, *, vendor_dir: Path | None = None) -> list[str]:
    """Every problem with the cache and the published copies; empty when all verify."""
    manifest = load_manifest(settings)
    served = Path(vendor_dir) if vendor_dir is not None else vendor_path(settings)
    problems = [f"cache: {p}" for p in verify_tree(manifest, cache_root(settings))]
    problems += [f"static: {p}" for p in verify_tree(manifest, served)]
    return problems


def localize_links(
    links: Sequence[tuple[str, str]], urls: dict[str, str] | None
) -> list[tuple[str, str]]:
    """A folium ``default_js``/``default_css`` list with CDN URLs swapped for local ones.

    URLs not in ``urls`` (or all, when ``urls`` is None) are kept as they are.
    """
    if not urls:
        return list(links)
    return [(name, urls.get(url, url)) for name, url in links]
