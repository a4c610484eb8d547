"""Is a record still its experiment's result? Experiment versions, from git and from the working tree.

An experiment's version is a hash of the files in its folder, computed the same way for the working
tree and for any commit (from git blob ids), so a record measured at commit C is current exactly when
the folder at C holds the same files as the folder now. Records carry `env.git_commit` and
`env.git_dirty`; a record measured with uncommitted changes counts as current only if it was recorded
after the folder's last edit. Nothing here runs an experiment: `make report` reruns them all, and
`make report-only` shows what it has, marked.
"""

import datetime
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from report import records as rec

CURRENT = "current"            # the experiment's files are the ones measured, at the checked-out commit
OTHER_COMMIT = "other commit"  # the same experiment files, measured at another commit (harness may differ)
CHANGED = "changed"            # the experiment's files changed since the measurement: a stale result
UNVERIFIED = "unverified"      # no commit recorded, or one this repository does not have
STATUSES = (CURRENT, OTHER_COMMIT, CHANGED, UNVERIFIED)
SKIPPED_PARTS = ("__pycache__",)
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
# experiments/<name>/exercise/ is the workshop's exercise (oomlab exercise), not what the records
# measured: a participant's edits there must not mark the experiment's records stale.
SKIPPED_TOP_FOLDERS = ("exercise",)


def blob_id(data):
    """git's object id of a file's bytes (`git hash-object`), so working files compare with commits."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def version_of(files):
    """The version of a folder: 12 hex digits over its (relative path, blob id) pairs."""
    text = "".join(f"{blob} {path}\n" for path, blob in sorted(files.items()))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _kept(relative):
    parts = Path(relative).parts
    if parts and parts[0] in SKIPPED_TOP_FOLDERS:
        return False
    return not any(part in SKIPPED_PARTS or part.startswith(".") for part in parts) and not str(relative).endswith(
        SKIPPED_SUFFIXES)


def _epoch(moment):
    return moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc).timestamp()


@dataclass
class Verdict:
    status: str
    detail: str


class Versions:
    """Experiment versions of one repository (or of a plain folder, where nothing can be verified)."""

    def __init__(self, experiments_dir, run=subprocess.run):
        self.experiments_dir = Path(experiments_dir).resolve()
        self._run = run
        self.repo = self._git_path("rev-parse", "--show-toplevel")
        self.head = self._git("rev-parse", "--verify", "-q", "HEAD") if self.repo else None
        self._cache = {}

    def _git(self, *arguments):
        try:
            done = self._run(["git", "-C", str(self.experiments_dir), *arguments], capture_output=True,
                             text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    def _git_path(self, *arguments):
        found = self._git(*arguments)
        return Path(found) if found else None

    def _relative(self, name):
        folder = self.experiments_dir / name
        return folder.relative_to(self.repo).as_posix() if self.repo else None

    def _working_files(self, name):
        """{relative path: (blob id, mtime)} of the folder now: tracked and untracked, ignored files left out."""
        folder = self.experiments_dir / name
        if not folder.is_dir():
            return {}
        listed = None
        if self.repo:
            output = self._git("ls-files", "--cached", "--others", "--exclude-standard", "--", f"{name}/")
            if output is not None:
                listed = [line[len(name) + 1:] for line in output.splitlines() if line.startswith(f"{name}/")]
        if listed is None:
            listed = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
        files = {}
        for relative in listed:
            path = folder / relative
            if _kept(relative) and path.is_file():
                files[relative] = (blob_id(path.read_bytes()), path.stat().st_mtime)
        return files

    def current(self, name):
        """The version of experiments/<name>/ as it is on disk now (None if the folder is missing)."""
        key = ("now", name)
        if key not in self._cache:
            files = self._working_files(name)
            self._cache[key] = version_of({p: blob for p, (blob, _) in files.items()}) if files else None
            self._cache[("edited", name)] = max((mtime for _, mtime in files.values()), default=0.0)
        return self._cache[key]

    def last_edit(self, name):
        """When a file of the folder was last written (seconds since the epoch; 0 if unknown)."""
        self.current(name)
        return self._cache[("edited", name)]

    def at_commit(self, name, commit):
        """The version of experiments/<name>/ in a commit, or None if this repository lacks the commit."""
        if not (self.repo and commit):
            return None
        key = ("commit", name, commit)
        if key not in self._cache:
            relative = self._relative(name)
            listing = self._git("ls-tree", "-r", "--full-tree", commit, "--", f"{relative}/")
            files = {}
            for line in (listing or "").splitlines():
                meta, _, path = line.partition("\t")
                parts = meta.split()
                inside = path[len(relative) + 1:]
                if len(parts) == 3 and parts[1] == "blob" and _kept(inside):
                    files[inside] = parts[2]
            self._cache[key] = version_of(files) if listing is not None else None
        return self._cache[key]

    def last_commit_time(self, name):
        """Commit time (epoch seconds) of the newest commit touching the folder; 0 if none."""
        key = ("commit-time", name)
        if key not in self._cache:
            output = (self._git("log", "-1", "--format=%ct", "--", f"{name}/", *self._skipped_pathspecs(name))
                      if self.repo else None)
            self._cache[key] = float(output) if output else 0.0
        return self._cache[key]

    def judge(self, record):
        """Verdict(status, detail) for one record."""
        name = record.get("experiment")
        env = record.get("env") or {}
        commit = env.get("git_commit")
        now = self.current(name)
        short = str(commit)[:7] if commit else "?"
        if record.get("experiment_version"):  # a harness that records the version makes this exact
            same = record["experiment_version"] == now
            status = (CURRENT if commit in (None, self.head) else OTHER_COMMIT) if same else CHANGED
            return Verdict(status, f"experiment version {record['experiment_version']}, now {now}")
        if now is None:
            return Verdict(UNVERIFIED, f"no folder experiments/{name}/ to compare with")
        if not commit:
            return Verdict(UNVERIFIED, "the record names no git commit")
        then = self.at_commit(name, commit)
        if then is None:
            return Verdict(UNVERIFIED, f"commit {short} is not in this repository")
        same_commit = commit == self.head
        if then == now:
            return Verdict(CURRENT if same_commit else OTHER_COMMIT,
                           f"commit {short}" + ("" if same_commit else f"; HEAD is {str(self.head)[:7]}, "
                                                f"with the same files in experiments/{name}/"))
        if env.get("git_dirty") and _epoch(rec.recorded_time(record)) >= self.last_edit(name):
            return Verdict(CURRENT if same_commit else OTHER_COMMIT,
                           f"commit {short} with uncommitted changes, recorded after the folder's last edit")
        return Verdict(CHANGED, f"commit {short}: experiments/{name}/ has changed since")

    def judge_benchmark(self, name, context):
        """Verdict for a Google Benchmark JSON's context: by its commit if it names one, else by date."""
        context = context or {}
        if context.get("git_commit"):
            return self.judge({"experiment": name, "env": {"git_commit": context["git_commit"],
                                                            "git_dirty": context.get("git_dirty")},
                               "recorded_at": context.get("date")})
        measured = _epoch(rec.recorded_time({"recorded_at": context.get("date")}))
        if measured <= 0:
            return Verdict(UNVERIFIED, "the benchmark JSON has no date")
        changed = max(self.last_commit_time(name), self.last_edit(name) if self._dirty(name) else 0.0)
        if changed and measured < changed:
            return Verdict(CHANGED, f"run {context.get('date')}, before the last change to experiments/{name}/")
        return Verdict(UNVERIFIED if not self.repo else CURRENT,
                       f"run {context.get('date')}, after the last change to experiments/{name}/")

    def _dirty(self, name):
        if not self.repo:
            return True
        return bool(self._git("status", "--porcelain", "--", f"{name}/", *self._skipped_pathspecs(name)))

    @staticmethod
    def _skipped_pathspecs(name):
        """git pathspecs that leave out the folders _kept() leaves out (the exercise)."""
        return [f":(exclude){name}/{folder}" for folder in SKIPPED_TOP_FOLDERS]


def mark(records, versions):
    """Sets `freshness` and `freshness_detail` on each record (in place) and returns the records."""
    for record in records:
        verdict = versions.judge(record)
        record["freshness"], record["freshness_detail"] = verdict.status, verdict.detail
    return records


def drop_changed(records):
    """(kept, dropped): a machine's records of an experiment whose files changed since are dropped when
    that machine also has records of the current files; otherwise they are kept, marked, as the only
    data there is."""
    has_current = {(rec.machine_of(r), r["experiment"]) for r in records if r.get("freshness") != CHANGED}
    kept, dropped = [], []
    for record in records:
        stale = record.get("freshness") == CHANGED and (rec.machine_of(record), record["experiment"]) in has_current
        (dropped if stale else kept).append(record)
    return kept, dropped
