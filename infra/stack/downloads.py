"""Kafka's jars and the Elasticsearch zip, fetched from Maven Central through ``mvn`` and cached.

Each download goes into a ``.partial`` folder that is renamed when complete; a marker file
written afterwards lists every file and its size, so a finished download is told apart
from an interrupted or damaged one and is fetched once.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

from infra.stack.errors import StackError
from infra.stack.processes import file_lock, run_logged

logger = logging.getLogger(__name__)

MARKER_NAME = ".pantau-complete"
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
KAFKA_POM = Path(__file__).resolve().parent.parent / "maven" / "pom.xml"


def directory_manifest(root: Path) -> dict[str, int]:
    """Relative path -> size of every regular file under ``root`` (the marker itself excluded)."""
    manifest: dict[str, int] = {}
    if not root.is_dir():
        return manifest
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MARKER_NAME:
            manifest[path.relative_to(root).as_posix()] = path.stat().st_size
    return manifest


def marker_matches(marker_text: str | None, actual: Mapping[str, int]) -> bool:
    """A download is complete when its marker exists and still lists exactly the files present."""
    if marker_text is None or not actual:
        return False
    try:
        recorded = json.loads(marker_text)
    except json.JSONDecodeError:
        return False
    return isinstance(recorded, dict) and recorded.get("files") == dict(actual)


def _complete(root: Path) -> bool:
    try:
        marker = (root / MARKER_NAME).read_text()
    except OSError:
        return False
    return marker_matches(marker, directory_manifest(root))


def _mvn() -> str:
    found = shutil.which("mvn")
    if not found:
        raise StackError(
            "Maven (mvn) is needed to fetch Kafka and Elasticsearch from Maven Central; "
            "install it (Debian/Ubuntu: apt-get install maven)"
        )
    return found


def _cached(cache_dir: Path, final: Path, version: str, what: str, fill: Callable[[Path], None]) -> Path:
    """``final`` as left by an earlier complete download, or filled now by ``fill(partial_dir)``."""
    with file_lock(cache_dir / ".fetch.lock"):
        if _complete(final):
            logger.debug("cached", extra={"what": what, "version": version, "path": final})
            return final
        logger.info("fetching from maven central", extra={"what": what, "version": version, "into": final})
        started = time.monotonic()
        partial = final.with_name(final.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.rmtree(final, ignore_errors=True)
        partial.mkdir(parents=True)
        fill(partial)
        partial.rename(final)
        manifest = directory_manifest(final)
        (final / MARKER_NAME).write_text(json.dumps({"version": version, "files": manifest}, indent=1))
        logger.info(
            "fetched",
            extra={
                "what": what,
                "version": version,
                "files": len(manifest),
                "size_mb": round(sum(manifest.values()) / 1_000_000, 1),
                "seconds": round(time.monotonic() - started, 1),
            },
        )
        return final


def fetch_kafka(cache_dir: Path, version: str) -> Path:
    """Kafka's runtime jars (plus a log4j2 SLF4J binding) in ``<cache>/kafka-<version>/libs`` (about 45 MB)."""
    root = cache_dir / f"kafka-{version}"

    def fill(partial: Path) -> None:
        # Copy the pom out of the source tree so Maven never writes next to the package.
        pom = root / "pom.xml"
        shutil.copyfile(KAFKA_POM, pom)
        run_logged(
            [
                _mvn(),
                "-B",
                "-q",
                "-f",
                str(pom),
                f"-Dmaven.repo.local={cache_dir / 'maven'}",
                f"-Dkafka.version={version}",
                "dependency:copy-dependencies",
                f"-DoutputDirectory={partial}",
                "-DincludeScope=runtime",
            ],
            root / "maven.log",
            cwd=root,
        )
        if not any(partial.glob("kafka_2.13-*.jar")):
            raise StackError(f"maven finished but no kafka_2.13 jar is in {partial}; see {root / 'maven.log'}")

    return _cached(cache_dir, root / "libs", version, "kafka jars", fill)


def fetch_elasticsearch(cache_dir: Path, version: str) -> Path:
    """The Elasticsearch zip (the integ-test distribution Maven Central carries, about 130 MB), cached."""
    root = cache_dir / f"elasticsearch-{version}"
    name = f"elasticsearch-{version}.zip"
    repo = cache_dir / "maven"

    def fill(partial: Path) -> None:
        run_logged(
            [
                _mvn(),
                "-B",
                "-q",
                f"-Dmaven.repo.local={repo}",
                "dependency:copy",
                f"-Dartifact={ES_ARTIFACT.format(version=version)}",
                f"-DoutputDirectory={partial}",
            ],
            root / "maven.log",
            cwd=root,
        )
        got = partial / name
        try:
            with zipfile.ZipFile(got) as archive:
                archive.getinfo(f"elasticsearch-{version}/bin/elasticsearch")
        except (OSError, KeyError, zipfile.BadZipFile) as exc:
            raise StackError(f"downloaded {got} is not a usable Elasticsearch zip: {exc}") from exc
        # Maven keeps its own copy in the local repository; one copy of 130 MB is enough.
        shutil.rmtree(repo / "org" / "elasticsearch" / "distribution" / "integ-test-zip", ignore_errors=True)

    return _cached(cache_dir, root / "dist", version, "elasticsearch zip", fill) / name


def extract_zip(zip_path: Path, dest: Path, top: str) -> None:
    """Unpack ``top/`` from the zip into ``dest``, keeping the Unix permission bits zipfile drops."""
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(dest, ignore_errors=True)
    partial.mkdir(parents=True)
    prefix = top.rstrip("/") + "/"
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if not info.filename.startswith(prefix) or info.filename == prefix:
                continue
            rel = info.filename[len(prefix) :]
            target = (partial / rel).resolve()
            if partial.resolve() not in target.parents and target != partial.resolve():
                raise StackError(f"refusing zip entry outside the target folder: {info.filename}")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as src, target.open("wb") as out:
                shutil.copyfileobj(src, out, 1024 * 1024)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)
    partial.rename(dest)
