"""The unprivileged user Elasticsearch runs as when Pantau runs as root, and what it can reach.

Elasticsearch refuses to run as root. When this process is root, Elasticsearch runs as an
unprivileged system user (created if missing) and its files are placed where that user can
reach them: under the stack dir when every parent folder lets it through, else under a
folder in the system temp dir named after the stack dir. A Java home the user cannot reach
(e.g. a venv under ``/root``) is copied next to those files.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.stack.errors import StackError

logger = logging.getLogger(__name__)

ES_USER = "pantau-es"


@dataclass(frozen=True)
class DirAccess:
    """Owner and mode of one directory, as ``stat`` reports them."""

    path: Path
    mode: int
    uid: int
    gid: int


def can_traverse(entry: DirAccess, uid: int, gids: frozenset[int]) -> bool:
    """Whether a user may pass through (search) this directory, by the classic owner/group/other bits."""
    if uid == 0:
        return True
    if entry.uid == uid:
        return bool(entry.mode & stat.S_IXUSR)
    if entry.gid in gids:
        return bool(entry.mode & stat.S_IXGRP)
    return bool(entry.mode & stat.S_IXOTH)


def traversal_blockers(chain: Sequence[DirAccess], uid: int, gids: frozenset[int]) -> list[Path]:
    """The directories in ``chain`` that stop the user from reaching what lies below them."""
    return [entry.path for entry in chain if not can_traverse(entry, uid, gids)]


def fallback_runtime_root(stack_dir: Path, temp_root: Path) -> Path:
    """Where Elasticsearch's files go when the stack dir is out of reach of its user."""
    digest = hashlib.sha256(str(stack_dir).encode("utf-8")).hexdigest()[:10]
    return temp_root / f"pantau-stack-{digest}"


def _dir_chain(path: Path) -> list[DirAccess]:
    """Stat of every existing directory from ``/`` down to ``path``."""
    chain = []
    for current in [*reversed(path.parents), path]:
        with contextlib.suppress(OSError):
            info = current.stat()
            chain.append(DirAccess(current, info.st_mode, info.st_uid, info.st_gid))
    return chain


def blockers_for(user: pwd.struct_passwd, path: Path) -> list[Path]:
    """The directories on the way to ``path`` that ``user`` may not pass through."""
    return traversal_blockers(_dir_chain(path), user.pw_uid, frozenset({user.pw_gid}))


def ensure_system_user(name: str = ES_USER) -> pwd.struct_passwd:
    """The system user ``name``, created (no home, no login shell) when missing."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    logger.info("creating system user", extra={"user": name, "reason": "elasticsearch-refuses-root"})
    result = subprocess.run(
        [useradd, "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        capture_output=True,
        text=True,
    )
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise StackError(
            f"Elasticsearch cannot run as root and creating user {name} failed: {result.stderr.strip()}"
        ) from None


def reachable_root(stack_dir: Path, user: pwd.struct_passwd | None) -> Path:
    """The folder for Elasticsearch's files: in the stack dir if ``user`` can reach it, else in the temp dir."""
    root = stack_dir / "elasticsearch"
    if user is None:
        return root
    blockers = blockers_for(user, stack_dir)
    if not blockers:
        return root
    root = fallback_runtime_root(stack_dir, Path(tempfile.gettempdir())) / "elasticsearch"
    logger.warning(
        "elasticsearch files placed outside the stack dir",
        extra={"user": user.pw_name, "blocked_by": ",".join(str(b) for b in blockers), "path": root},
    )
    _guard_temp_root(root.parent)
    return root


def reachable_java_home(home: Path, copy: Path, user: pwd.struct_passwd | None) -> Path:
    """``home``, or a copy of it at ``copy`` when ``user`` cannot reach it (refreshed when it differs)."""
    if user is None:
        return home
    blockers = blockers_for(user, home.resolve())
    if not blockers:
        return home
    marker = copy / "release"
    source_release = (home / "release").read_text()
    if not (marker.is_file() and marker.read_text() == source_release):
        logger.info(
            "copying java for elasticsearch",
            extra={"source": home, "dest": copy, "blocked_by": ",".join(str(b) for b in blockers)},
        )
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(home, copy, symlinks=True)
    return copy


def chown_tree(root: Path, uid: int, gid: int) -> None:
    """Give ``root`` and everything below it to ``uid:gid`` (links themselves, not their targets)."""
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def as_user(user: pwd.struct_passwd, cmd: list[str]) -> list[str]:
    """Prefix ``cmd`` so it runs as ``user`` (we are root here)."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", *cmd]
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", user.pw_name, "--", *cmd]
    raise StackError(f"running as root needs setpriv or runuser to start Elasticsearch as {user.pw_name}")


def _guard_temp_root(path: Path) -> None:
    """Create a folder in the shared temp dir, refusing one someone else planted at our name."""
    if path.is_symlink():
        raise StackError(f"{path} is a symlink; remove it")
    if path.exists() and path.stat().st_uid != os.geteuid():
        raise StackError(f"{path} exists and belongs to uid {path.stat().st_uid}; remove it")
    path.mkdir(mode=0o755, exist_ok=True)
    path.chmod(0o755)
