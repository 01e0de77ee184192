"""A throwaway PostgreSQL server for the Python test drivers (the
conformance runner, the differential harnesses, the security fuzzer), as
test/lib.sh's fe_start_server does for the shell scripts: the binaries of
$PG_CONFIG (else the pg_config on PATH), run as the postgres OS user when
this runs as root, a temporary data directory, a Unix socket in /tmp on a
port no other server uses, and test/regress.conf's settings."""
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bindir():
    pg_config = os.environ.get("PG_CONFIG", "pg_config")
    return subprocess.check_output([pg_config, "--bindir"], text=True).strip()


def run_as_postgres(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, **kw)


def free_port(start, span=40):
    """The first port from start whose socket and lock file are absent
    (several checkouts may run suites at once); start if none is."""
    for port in range(start, start + span):
        if not os.path.exists("/tmp/.s.PGSQL.%d" % port) and not os.path.exists("/tmp/.s.PGSQL.%d.lock" % port):
            return port
    return start


class Server:
    def __init__(self, port, prefix="feature_ext.test."):
        self.bindir = bindir()
        self.work = tempfile.mkdtemp(prefix=prefix)
        os.chmod(self.work, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.work, "postgres", "postgres")
        self.data = os.path.join(self.work, "data")
        self.log = os.path.join(self.data, "server.log")
        self.port = port
        self.started = False

    def start(self, extra_conf=""):
        run_as_postgres([os.path.join(self.bindir, "initdb"), "-D", self.data, "-A", "trust", "-U", "postgres",
                         "--no-sync"], stdout=subprocess.DEVNULL)
        with open(os.path.join(ROOT, "test", "regress.conf")) as f:
            conf = f.read()
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("port = %d\nlisten_addresses = ''\nunix_socket_directories = '/tmp'\nfsync = off\n%s\n%s"
                    % (self.port, conf, extra_conf))
        run_as_postgres([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "start"],
                        stdout=subprocess.DEVNULL)
        self.started = True
        return self

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, mode="fast", keep_log=None):
        """Stops the server (errors ignored) and removes its directory;
        keep_log: a path to copy the server log to first."""
        if self.started:
            subprocess.run((["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []) +
                           [os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started = False
        if keep_log and os.path.exists(self.log):
            shutil.copy(self.log, keep_log)
        shutil.rmtree(self.work, ignore_errors=True)


def start_server(port, prefix="feature_ext.test."):
    """Starts a server on port; returns the function that stops and removes it."""
    s = Server(port, prefix).start()
    return s.stop
