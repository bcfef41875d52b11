"""The stack's Elasticsearch: one loopback node unpacked from the cached zip and run as a daemon.

``bin/elasticsearch -d`` daemonises: the launcher process exits once the node has started
and the node writes its own pid file. Until the launcher exits the node is not ours to
use; a non-zero launcher exit is a failed start.

With ``secure`` the node runs with security on (:mod:`.security`): HTTPS with the stack's
own CA, and the ``elastic`` user's password from the credentials file. The mode of the last
start is recorded, so ``status`` reports the address clients must use.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import shutil
import time
from pathlib import Path

from infra.stack.config import HOST, adapt_jvm_options, render_elasticsearch_yml
from infra.stack.downloads import extract_zip
from infra.stack.errors import StackError
from infra.stack.java import ES_MIN_JAVA, ES_REQUIRED_MODULES, pick_java
from infra.stack.probes import elasticsearch_answers
from infra.stack.processes import Children, Target, launch, read_pid, tail_text
from infra.stack.security import (
    CREDENTIALS_NAME,
    ELASTIC_USER,
    NODE_CERTS_DIR,
    Credentials,
    ensure_tls,
    new_password,
    read_credentials,
    set_bootstrap_password,
    write_credentials,
)
from infra.stack.status import ServiceStatus
from infra.stack.users import (
    ES_USER,
    as_user,
    chown_tree,
    ensure_system_user,
    reachable_java_home,
    reachable_root,
)

logger = logging.getLogger(__name__)

ES_MARKER = "org.elasticsearch"
LAUNCHER = "elasticsearch-launcher"


class ElasticsearchNode:
    """Elasticsearch's files (in the stack dir, or where its user can reach), pid files, logs, start, readiness."""

    role = "elasticsearch"

    def __init__(self, stack_dir: Path, port: int, version: str, children: Children, secure: bool = False) -> None:
        self.stack_dir = stack_dir
        self.port = port
        self.version = version
        self.secure = secure
        self.pidfile = stack_dir / "run" / "elasticsearch.pid"
        self.launch_log = stack_dir / "logs" / "elasticsearch-launch.log"
        self.credentials_file = stack_dir / CREDENTIALS_NAME
        self.certs_dir = stack_dir / "certs"
        self._root_record = stack_dir / "run" / "elasticsearch-root"
        self._mode_record = stack_dir / "run" / "elasticsearch-mode"
        self._children = children
        # Decided by start(); status() and stop read where the last start put things.
        self._root: Path | None = None

    @property
    def url(self) -> str:
        """Base URL for the Elasticsearch client (https when secure)."""
        return self._url(self.secure)

    def _url(self, secure: bool) -> str:
        return f"{'https' if secure else 'http'}://{HOST}:{self.port}"

    def running_secure(self) -> bool | None:
        """Whether the last start had security on (``None`` before any start)."""
        try:
            return self._mode_record.read_text().strip() == "secure"
        except OSError:
            return None

    def credentials(self) -> Credentials | None:
        """URL, user, password and CA of the secured node, as its last secure start wrote them."""
        return read_credentials(self.credentials_file)

    def ports(self) -> list[tuple[str, int]]:
        """The ports this engine listens on, by the setting that chooses them."""
        return [("stack_elasticsearch_port", self.port)]

    # -- where the files are ---------------------------------------------------------------------

    def known_root(self) -> Path:
        """Where Elasticsearch's files are, as recorded by the last start (default: in the stack dir)."""
        if self._root is not None:
            return self._root
        with contextlib.suppress(OSError):
            recorded = self._root_record.read_text().strip()
            if recorded:
                return Path(recorded)
        return self.stack_dir / "elasticsearch"

    def _place_root(self, user: pwd.struct_passwd | None) -> Path:
        root = reachable_root(self.stack_dir, user)
        self._root = root
        self._root_record.parent.mkdir(parents=True, exist_ok=True)
        self._root_record.write_text(str(root) + "\n")
        return root

    @property
    def log(self) -> Path:
        return self.known_root() / "logs" / "pantau.log"

    def _own_pidfile(self) -> Path:
        # Written by the Elasticsearch server itself (``-p``), early in its start-up.
        return self.known_root() / "elasticsearch.pid"

    # -- process ---------------------------------------------------------------------------------

    def pid(self) -> int | None:
        """The node's pid while it runs, from our pid file or the node's own."""
        for pidfile in (self.pidfile, self._own_pidfile()):
            pid = read_pid(pidfile)
            if pid is not None and self._children.alive(self.role, pid, ES_MARKER):
                return pid
        return None

    def targets(self) -> list[Target]:
        """What to signal to stop this engine: a launcher still running, and the node."""
        found = []
        launcher = self._children.get(LAUNCHER)
        if launcher is not None and launcher.poll() is None:
            found.append(Target(LAUNCHER, launcher.pid, "elasticsearch"))
        pid = self.pid()
        if pid is not None:
            found.append(Target(self.role, pid, ES_MARKER))
        return found

    def status(self) -> ServiceStatus:
        pid = self.pid()
        # A running node is reported as it was started, whatever this object was asked for.
        secure = bool(self.running_secure()) if pid is not None else self.secure
        return ServiceStatus.observe(self.role, pid, self.port, self._url(secure), self.log)

    def notes(self) -> list[str]:
        notes = []
        root = self.known_root()
        if not root.is_relative_to(self.stack_dir):
            notes.append(f"elasticsearch files: {root} (stack dir not reachable by user {ES_USER})")
        if self.pid() is not None and self.running_secure():
            notes.append(
                f"elasticsearch security on: user {ELASTIC_USER}, CA {self.certs_dir / 'ca.crt'}, "
                f"password in {self.credentials_file}"
            )
        return notes

    # -- start -----------------------------------------------------------------------------------

    def _prepare_home(self, es_zip: Path, root: Path) -> Path:
        home = root / "home"
        stamp = home / ".pantau-version"
        if not (stamp.is_file() and stamp.read_text().strip() == self.version):
            started = time.monotonic()
            logger.info("unpacking elasticsearch", extra={"version": self.version, "into": home})
            root.mkdir(parents=True, exist_ok=True)
            extract_zip(es_zip, home, f"elasticsearch-{self.version}")
            # Keep the shipped jvm.options: each start derives its own from it for the chosen Java.
            shutil.copyfile(home / "config" / "jvm.options", home / "config" / "jvm.options.orig")
            stamp.write_text(self.version + "\n")
            logger.info("unpacked elasticsearch", extra={"seconds": round(time.monotonic() - started, 1)})
        return home

    def start(self, es_zip: Path, heap: str) -> None:
        """Unpack (once per version), write the configuration, and launch the daemonising launcher."""
        user = ensure_system_user(ES_USER) if os.geteuid() == 0 else None
        runtime = pick_java("elasticsearch", ES_MIN_JAVA, ES_REQUIRED_MODULES)
        root = self._place_root(user)
        home = self._prepare_home(es_zip, root)
        data, logs, tmp = root / "data", root / "logs", root / "tmp"
        for path in (data, logs, tmp, self.launch_log.parent, self.pidfile.parent):
            path.mkdir(parents=True, exist_ok=True)
        config = home / "config"
        (config / "elasticsearch.yml").write_text(
            render_elasticsearch_yml(
                http_port=self.port, data_dir=data, logs_dir=logs, certs_dir=NODE_CERTS_DIR if self.secure else None
            )
        )
        original = (config / "jvm.options.orig").read_text()
        (config / "jvm.options").write_text(adapt_jvm_options(original, runtime.modules))
        java_home = reachable_java_home(runtime.home, root / "jdk", user)
        self._own_pidfile().unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)

        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "ES_JAVA_HOME": str(java_home),
            "ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}",
            "ES_TMPDIR": str(tmp),
            "HOME": str(root),
        }
        if self.secure:
            self._secure_home(home, env)
        self._mode_record.write_text("secure\n" if self.secure else "plain\n")
        cmd = [str(home / "bin" / "elasticsearch"), "-d", "-p", str(self._own_pidfile())]
        if user is not None:
            chown_tree(root, user.pw_uid, user.pw_gid)
            cmd = as_user(user, cmd)
        proc = launch("elasticsearch", cmd, cwd=home, env=env, log_path=self.launch_log)
        self._children.add(LAUNCHER, proc)
        logger.info(
            "elasticsearch launching",
            extra={
                "launcher_pid": proc.pid,
                "port": self.port,
                "heap": heap,
                "java": java_home,
                "user": user.pw_name if user else pwd.getpwuid(os.geteuid()).pw_name,
                "home": home,
                "log": logs / "pantau.log",
            },
        )

    def _secure_home(self, home: Path, env: dict[str, str]) -> None:
        """Certificates into the config dir, the elastic password into the keystore and the credentials file."""
        tls = ensure_tls(self.certs_dir)
        node_certs = home / "config" / NODE_CERTS_DIR
        node_certs.mkdir(exist_ok=True)
        for source, name in ((tls.ca_cert, "ca.crt"), (tls.node_cert, "node.crt"), (tls.node_key, "node.key")):
            shutil.copyfile(source, node_certs / name)
        (node_certs / "node.key").chmod(0o600)
        earlier = self.credentials()
        password = earlier.password if earlier is not None else new_password()
        set_bootstrap_password(home, env, password, self.launch_log.parent / "elasticsearch-keystore.log")
        write_credentials(
            self.credentials_file,
            Credentials(url=self.url, username=ELASTIC_USER, password=password, ca_certs=tls.ca_cert),
        )
        logger.info(
            "elasticsearch security on",
            extra={"user": ELASTIC_USER, "ca": tls.ca_cert, "credentials": self.credentials_file},
        )

    def failure_text(self) -> str:
        return (
            f"last lines of {self.launch_log}:\n{tail_text(self.launch_log)}\n"
            f"last lines of {self.log}:\n{tail_text(self.log)}"
        )

    def _poll_launcher(self) -> None:
        """Follow the daemonising launcher: fail fast on a non-zero exit, record the server pid."""
        launcher = self._children.get(LAUNCHER)
        if launcher is None:
            return
        rc = launcher.poll()
        if rc is None:
            return
        self._children.forget(LAUNCHER)
        if rc != 0:
            raise StackError(f"elasticsearch failed to start (launcher exit code {rc})\n" + self.failure_text())
        pid = read_pid(self._own_pidfile())
        if pid is None:
            raise StackError("elasticsearch launcher exited without writing a pid file\n" + self.failure_text())
        self.pidfile.write_text(f"{pid}\n")
        logger.info("elasticsearch started", extra={"pid": pid, "port": self.port})

    def ready(self) -> bool:
        """Whether the node answers; raises when the launcher failed or the node died."""
        self._poll_launcher()
        if LAUNCHER in self._children:
            # The launcher exits once the node has started; until then the node is not ours to use.
            return False
        if self.pid() is None:
            raise StackError("elasticsearch exited during start-up\n" + self.failure_text())
        credentials = self.credentials() if self.secure else None
        if credentials is None:
            return elasticsearch_answers(self.url)
        return elasticsearch_answers(self.url, credentials.ca_certs, credentials.username, credentials.password)

    def not_ready_text(self) -> str:
        return f"elasticsearch did not answer on {self.url}\n{self.failure_text()}"

    def forget_pidfiles(self) -> None:
        for pidfile in (self.pidfile, self._own_pidfile()):
            pidfile.unlink(missing_ok=True)

    def data_paths(self) -> list[Path]:
        """What ``down --wipe`` deletes."""
        return [self.known_root() / "data"]
