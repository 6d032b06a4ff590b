"""Offline browser assets: manifest, checksums, npm preparation (with a fake npm), URL mapping."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import stat
import tarfile
from pathlib import Path
from typing import Any

import folium
import pytest
from folium.plugins import Timeline, TimelineSlider

from geo.config import Settings
from geo.render._immutable import IMMUTABLE_MTIME
from geo.render.assets import (
    AssetError,
    asset_urls,
    awesome_rotate_css,
    check_assets,
    load_manifest,
    localize_links,
    parse_manifest,
    prepare_assets,
    publish_assets,
    verify_tree,
)
from tests.factories import external_asset_urls

JS = b"window.fakeLib = 1;\n"
CSS = b".fake{background:url(../img/dot.png)}\n"
PNG = b"\x89PNG\r\n\x1a\nnot-really"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_tarball(files: dict[str, bytes]) -> bytes:
    """An npm-style tarball (members under ``package/``), byte-for-byte reproducible."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"package/{name}")
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


PACKAGE_FILES = {"dist/fake.js": JS, "css/fake.css": CSS, "img/dot.png": PNG}
TARBALL = npm_tarball({**PACKAGE_FILES, "README.md": b"# not extracted\n"})


def fake_manifest(**over: Any) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "about": "test",
        "packages": [
            {
                "spec": "fake-lib@1.0.0",
                "tarball_sha256": sha(TARBALL),
                "licence": "MIT",
                "files": [{"path": p, "sha256": sha(d)} for p, d in PACKAGE_FILES.items()],
            },
            {
                "spec": "generated:folium-awesome-rotate",
                "licence": "MIT",
                "files": [
                    {"path": "leaflet.awesome.rotate.min.css", "sha256": sha(awesome_rotate_css())}
                ],
            },
        ],
        "urls": [
            {
                "url": "https://cdn.example/fake.js",
                "package": "fake-lib@1.0.0",
                "path": "dist/fake.js",
            },
            {
                "url": "https://cdn.example/fake.css",
                "package": "fake-lib@1.0.0",
                "path": "css/fake.css",
            },
            {
                "url": "https://cdn.example/rotate.css",
                "package": "generated:folium-awesome-rotate",
                "path": "leaflet.awesome.rotate.min.css",
            },
        ],
    }
    manifest.update(over)
    return manifest


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    (data / "assets.json").write_text(json.dumps(fake_manifest()), encoding="utf-8")
    return Settings(data_dir=data, cache_dir=tmp_path / "cache")


@pytest.fixture
def fake_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake ``npm`` first on PATH: ``npm pack SPEC --pack-destination DIR`` copies a tarball.

    Every call is appended to the returned log file.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tarball = tmp_path / "fake-lib-1.0.0.tgz"
    tarball.write_bytes(TARBALL)
    log = tmp_path / "npm-calls.log"
    script = bin_dir / "npm"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'if [ -n "$FAKE_NPM_FAIL" ]; then echo "npm error 404 Not Found" >&2; exit 1; fi\n'
        f'cp "${{FAKE_NPM_TARBALL:-{tarball}}}" "$4/fake-lib-1.0.0.tgz"\n',
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def calls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


# --------------------------------------------------------------------------- manifest


def test_project_manifest_is_well_formed() -> None:
    manifest = load_manifest(Settings())
    for package in manifest.packages:
        assert package.is_generated or package.tarball_sha256
        assert len({f.path for f in package.files}) == len(package.files)
    assert {u.url for u in manifest.urls} >= {
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "https://cdn.jsdelivr.net/npm/leaflet.timeline@1.6.0/dist/leaflet.timeline.min.js",
    }
    # every package is used by at least one URL
    assert {u.package for u in manifest.urls} == {p.spec for p in manifest.packages}


def test_project_manifest_pins_generated_file() -> None:
    manifest = load_manifest(Settings())
    rotate = manifest.package("generated:folium-awesome-rotate").files[0]
    assert rotate.sha256 == sha(awesome_rotate_css())


def test_css_companions_are_listed() -> None:
    """Fonts and images a stylesheet points at are fetched with it (no 404 in the browser)."""
    manifest = load_manifest(Settings())
    fa = manifest.package("@fortawesome/fontawesome-free@6.2.0")
    assert {f.path for f in fa.files} >= {"webfonts/fa-solid-900.woff2", "css/all.min.css"}
    leaflet = manifest.package("leaflet@1.9.3")
    assert "dist/images/marker-icon.png" in {f.path for f in leaflet.files}


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"urls": [{"url": "https://x/a.js", "package": "nope@1.0.0", "path": "a.js"}]},
         r"package 'nope@1.0.0' is not in the asset manifest"),
        ({"urls": [{"url": "https://x/a.js", "package": "fake-lib@1.0.0", "path": "a.js"}]},
         r"'a.js' is not listed for fake-lib@1.0.0"),
        ({"urls": [{"url": "http://x/a.js", "package": "fake-lib@1.0.0", "path": "dist/fake.js"}]},
         r"urls.0.url"),
    ],
)  # fmt: skip
def test_manifest_rejects_bad_urls(change: dict[str, Any], match: str) -> None:
    with pytest.raises(AssetError, match=match):
        parse_manifest(fake_manifest(**change))


def test_manifest_rejects_unsafe_paths_and_bad_hashes() -> None:
    bad = fake_manifest()
    bad["packages"][0]["files"][0]["path"] = "../escape.js"
    bad["packages"][0]["tarball_sha256"] = "abc"
    with pytest.raises(AssetError, match=r"(?s)tarball_sha256.*files\.0\.path"):
        parse_manifest(bad)


# --------------------------------------------------------------------------- verification


def write_tree(root: Path) -> None:
    for path, data in PACKAGE_FILES.items():
        target = root / "fake-lib@1.0.0" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    rotate = root / "generated-folium-awesome-rotate" / "leaflet.awesome.rotate.min.css"
    rotate.parent.mkdir(parents=True)
    rotate.write_bytes(awesome_rotate_css())


def test_verify_accepts_good_tree_and_rejects_tampered_file(tmp_path: Path) -> None:
    manifest = parse_manifest(fake_manifest())
    write_tree(tmp_path)
    assert verify_tree(manifest, tmp_path) == []

    tampered = tmp_path / "fake-lib@1.0.0" / "dist" / "fake.js"
    evil = b"alert('evil');\n"
    tampered.write_bytes(evil)
    problems = verify_tree(manifest, tmp_path)
    assert problems == [
        f"fake-lib@1.0.0 dist/fake.js ({tampered}): sha256 mismatch, "
        f"expected {sha(JS)}, actual {sha(evil)}"
    ]


def test_verify_reports_missing_file_and_folder(tmp_path: Path) -> None:
    manifest = parse_manifest(fake_manifest())
    write_tree(tmp_path)
    (tmp_path / "fake-lib@1.0.0" / "img" / "dot.png").unlink()
    assert verify_tree(manifest, tmp_path) == [
        f"fake-lib@1.0.0 img/dot.png: missing ({tmp_path / 'fake-lib@1.0.0' / 'img' / 'dot.png'})"
    ]
    assert verify_tree(manifest, tmp_path / "empty") == [
        f"fake-lib@1.0.0: not prepared ({tmp_path / 'empty' / 'fake-lib@1.0.0'} is missing)",
        "generated:folium-awesome-rotate: not prepared "
        f"({tmp_path / 'empty' / 'generated-folium-awesome-rotate'} is missing)",
    ]


# --------------------------------------------------------------------------- prepare (fake npm)


def test_prepare_with_fake_npm_extracts_and_verifies(
    fake_settings: Settings, fake_npm: Path
) -> None:
    lines: list[str] = []
    root = prepare_assets(fake_settings, progress=lines.append)
    assert root == fake_settings.cache_dir / "assets"
    assert (root / "fake-lib@1.0.0" / "dist" / "fake.js").read_bytes() == JS
    assert not (root / "fake-lib@1.0.0" / "README.md").exists()  # only listed files
    assert verify_tree(parse_manifest(fake_manifest()), root) == []
    (call,) = calls(fake_npm)
    assert re.fullmatch(
        rf"pack fake-lib@1\.0\.0 --pack-destination {re.escape(str(root))}/\.tmp-\w+", call
    )
    assert lines == [
        "fetched fake-lib@1.0.0 (3 file(s), sha256 verified)",
        "generated generated:folium-awesome-rotate (1 file(s), sha256 verified)",
    ]
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []  # temp dirs gone


def test_prepare_is_idempotent_and_force_refetches(fake_settings: Settings, fake_npm: Path) -> None:
    prepare_assets(fake_settings)
    lines: list[str] = []
    prepare_assets(fake_settings, progress=lines.append)
    assert len(calls(fake_npm)) == 1  # nothing fetched the second time
    assert lines[0] == "verified fake-lib@1.0.0 (3 file(s), cached)"
    prepare_assets(fake_settings, force=True)
    assert len(calls(fake_npm)) == 2


def test_prepare_repairs_tampered_cache(fake_settings: Settings, fake_npm: Path) -> None:
    root = prepare_assets(fake_settings)
    (root / "fake-lib@1.0.0" / "dist" / "fake.js").write_bytes(b"tampered")
    prepare_assets(fake_settings)
    assert (root / "fake-lib@1.0.0" / "dist" / "fake.js").read_bytes() == JS
    assert len(calls(fake_npm)) == 2


def test_prepare_rejects_tarball_with_wrong_hash(
    fake_settings: Settings, fake_npm: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = npm_tarball({**PACKAGE_FILES, "extra.js": b"1"})
    (tmp_path / "other.tgz").write_bytes(other)
    monkeypatch.setenv("FAKE_NPM_TARBALL", str(tmp_path / "other.tgz"))
    with pytest.raises(
        AssetError,
        match=rf"fake-lib@1\.0\.0 tarball fake-lib-1\.0\.0\.tgz: sha256 mismatch, "
        rf"expected {sha(TARBALL)}, actual {sha(other)}",
    ):
        prepare_assets(fake_settings)
    assert not (fake_settings.cache_dir / "assets" / "fake-lib@1.0.0").exists()


def test_prepare_rejects_file_with_wrong_hash_and_keeps_old_copy(
    tmp_path: Path, fake_npm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evil_js = b"alert(1)\n"
    evil = npm_tarball({**PACKAGE_FILES, "dist/fake.js": evil_js})
    (tmp_path / "evil.tgz").write_bytes(evil)
    manifest = fake_manifest()
    manifest["packages"][0]["tarball_sha256"] = sha(evil)  # tarball "matches", file does not
    data = tmp_path / "data"
    data.mkdir()
    (data / "assets.json").write_text(json.dumps(manifest), encoding="utf-8")
    settings = Settings(data_dir=data, cache_dir=tmp_path / "cache")
    old = settings.cache_dir / "assets" / "fake-lib@1.0.0" / "css" / "fake.css"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"previous copy")

    monkeypatch.setenv("FAKE_NPM_TARBALL", str(tmp_path / "evil.tgz"))
    with pytest.raises(
        AssetError,
        match=rf"fake-lib@1\.0\.0 dist/fake\.js \(.*\): sha256 mismatch, "
        rf"expected {sha(JS)}, actual {sha(evil_js)}",
    ):
        prepare_assets(settings)
    assert old.read_bytes() == b"previous copy"  # a failed run leaves the old folder intact


def test_prepare_without_npm_says_so(
    fake_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    with pytest.raises(AssetError, match=r"npm was not found \('npm' is not on PATH\)"):
        prepare_assets(fake_settings)


def test_prepare_reports_npm_failure(
    fake_settings: Settings, fake_npm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NPM_FAIL", "1")
    with pytest.raises(
        AssetError, match=r"(?s)`npm pack fake-lib@1\.0\.0` failed \(exit 1\):\nnpm error 404"
    ):
        prepare_assets(fake_settings)


def test_prepare_times_out(fake_settings: Settings, tmp_path: Path) -> None:
    slow = tmp_path / "slow-npm"
    slow.write_text("#!/bin/sh\nsleep 30 &\nsleep 30\n", encoding="utf-8")
    slow.chmod(0o755)
    with pytest.raises(AssetError, match=r"`npm pack fake-lib@1\.0\.0` timed out after 0\.2 s"):
        prepare_assets(fake_settings, npm=str(slow), timeout=0.2)


# --------------------------------------------------------------------------- serving


def test_publish_and_asset_urls(fake_settings: Settings, fake_npm: Path, tmp_path: Path) -> None:
    vendor = tmp_path / "static" / "vendor"
    assert asset_urls(fake_settings, vendor_dir=vendor) is None  # nothing published yet
    with pytest.raises(
        AssetError, match=r"the asset cache .* is not ready; run `conflictmap assets`"
    ):
        publish_assets(fake_settings, vendor_dir=vendor)

    prepare_assets(fake_settings)
    publish_assets(fake_settings, vendor_dir=vendor)
    assert not any(p.is_symlink() for p in vendor.rglob("*"))  # copies: Streamlit refuses links
    # under a pinned version: an old time, so browsers keep them (geo/render/_immutable.py)
    published = [p for p in vendor.rglob("*") if p.is_file()]
    assert len(published) == 4
    assert {p.stat().st_mtime for p in published} == {IMMUTABLE_MTIME}
    assert check_assets(fake_settings, vendor_dir=vendor) == []
    assert asset_urls(fake_settings, vendor_dir=vendor) == {
        "https://cdn.example/fake.js": "/app/static/vendor/fake-lib@1.0.0/dist/fake.js",
        "https://cdn.example/fake.css": "/app/static/vendor/fake-lib@1.0.0/css/fake.css",
        "https://cdn.example/rotate.css": (
            "/app/static/vendor/generated-folium-awesome-rotate/leaflet.awesome.rotate.min.css"
        ),
    }
    urls = asset_urls(fake_settings, "/base/app/static/vendor/", vendor_dir=vendor)
    assert urls is not None
    assert (
        urls["https://cdn.example/fake.js"] == "/base/app/static/vendor/fake-lib@1.0.0/dist/fake.js"
    )

    # a tampered published file switches the local copies off rather than serving it
    (vendor / "fake-lib@1.0.0" / "css" / "fake.css").write_bytes(b"tampered")
    assert asset_urls(fake_settings, vendor_dir=vendor) is None
    assert check_assets(fake_settings, vendor_dir=vendor) == [
        f"static: fake-lib@1.0.0 css/fake.css ({vendor / 'fake-lib@1.0.0' / 'css' / 'fake.css'}): "
        f"sha256 mismatch, expected {sha(CSS)}, actual {sha(b'tampered')}"
    ]
    publish_assets(fake_settings, vendor_dir=vendor)  # repairs it
    assert asset_urls(fake_settings, vendor_dir=vendor) is not None


def test_localize_links() -> None:
    links = [("a", "https://cdn.example/fake.js"), ("b", "https://elsewhere/x.js")]
    urls = {"https://cdn.example/fake.js": "/app/static/vendor/fake.js"}
    assert localize_links(links, urls) == [
        ("a", "/app/static/vendor/fake.js"),
        ("b", "https://elsewhere/x.js"),
    ]
    assert localize_links(links, None) == links


# --------------------------------------------------------------------------- coverage of the map


def _map_with_project_plugins() -> folium.Map:
    """A folium map using the same elements and plugins as the app's map."""
    m = folium.Map(location=[40.0, 46.0], zoom_start=7, tiles=None)
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [46.0, 40.0]},
                "properties": {"start": "2020-07-12", "end": "2020-07-13"},
            }
        ],
    }
    timeline = Timeline(data).add_to(m)
    TimelineSlider(auto_play=False).add_timelines(timeline).add_to(m)
    folium.CircleMarker([40.0, 46.0], radius=5, popup="x").add_to(m)
    folium.Marker([40.1, 46.1], icon=folium.Icon(icon="info-sign")).add_to(m)
    folium.LayerControl().add_to(m)
    return m


def _linked_urls(m: folium.Map) -> set[str]:
    """What streamlit-folium loads: every element's default_js/default_css (its own walk)."""
    urls: set[str] = set()
    stack: list[Any] = [m]
    while stack:
        element = stack.pop()
        urls |= {u for _, u in getattr(element, "default_js", [])}
        urls |= {u for _, u in getattr(element, "default_css", [])}
        stack.extend(getattr(element, "_children", {}).values())
    return urls


def test_manifest_covers_every_cdn_url_of_the_map() -> None:
    m = _map_with_project_plugins()
    html = m.get_root().render()
    needed = external_asset_urls(html) | external_asset_urls(_linked_urls(m))
    assert needed, "the map should load something from a CDN"
    mapped = {u.url for u in load_manifest(Settings()).urls}
    assert needed - mapped == set()


def test_localized_map_points_at_no_cdn() -> None:
    from geo.render import localize_assets

    m = _map_with_project_plugins()
    urls = {u.url: f"/app/static/vendor/{i}" for i, u in enumerate(load_manifest(Settings()).urls)}
    localize_assets(m, urls)
    html = m.get_root().render()
    assert external_asset_urls(html) == set()
    assert external_asset_urls(_linked_urls(m)) == set()
    assert "/app/static/vendor/" in html


def test_project_map_with_asset_urls_points_at_no_cdn() -> None:
    """The app's own map (geo.render.build_map) with the mapping loads nothing from a CDN."""
    from geo.dataset import load_events_checked
    from geo.render import build_map, map_html
    from geo.view import View

    events, episodes = load_events_checked(Settings())
    plain = build_map(events, view=View(tiles=False), episodes=episodes)
    needed = external_asset_urls(map_html(plain)) | external_asset_urls(_linked_urls(plain))
    mapped = {u.url for u in load_manifest(Settings()).urls}
    assert needed - mapped == set()

    urls = {u: f"/app/static/vendor/{i}" for i, u in enumerate(sorted(mapped))}
    local = build_map(events, view=View(tiles=False), episodes=episodes, asset_urls=urls)
    assert external_asset_urls(map_html(local)) == set()
    assert external_asset_urls(_linked_urls(local)) == set()  # what streamlit-folium loads
