"""Fuzzing backup archives: damaged and crafted zips given to verify_backup and restore_backup give success or a
Chinese UserError, never another exception, and a refused restore leaves every file beside the database as it was.

Crafted archives carry what a hostile or a damaged file may: member names that escape the folder on Windows or on
Linux, lying sizes and hashes, manifests of any JSON, members missing, doubled or packed another way, a database
that is no database. Example counts are small so tests/fuzz/ runs in well under a minute;
``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier) runs fifty times as many. ``--hypothesis-show-statistics`` prints
how the examples ended.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import warnings
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from aiddesk.core.clock import FixedClock
from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db.backup import DB_MEMBER, MANIFEST, make_backup, restore_backup, verify_backup

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WHEN = datetime(2026, 11, 26, 10, 30)
ATTACHMENTS = {"户1/证明.pdf": b"%PDF-1.4 proof\n" * 50, "照片.jpg": bytes(range(256)) * 4}


def fuzz(n: int):
    return settings(max_examples=n * SCALE, **FUZZ)


def _event(what: str) -> None:
    if currently_in_test_context():
        event(what)


# Set once per module by ``_template`` (not passed as fixtures: a failing example prints its arguments, and a
# whole archive is too long to read): a good backup's bytes, its members by name, the database it replaces.
GOOD: dict[str, object] = {}


@pytest.fixture(scope="module", autouse=True)
def _template(tmp_path_factory, office_file) -> None:
    folder = tmp_path_factory.mktemp("backup-template")
    path = folder / "office.sqlite"
    shutil.copyfile(office_file, path)
    db = open_database(path, clock=FixedClock(datetime(2026, 11, 26, 9)))
    try:
        for name, data in ATTACHMENTS.items():
            (db.attachment_dir / name).parent.mkdir(parents=True, exist_ok=True)
            (db.attachment_dir / name).write_bytes(data)
        archive = make_backup(db, folder / "备份", reason="手动", now=db.clock.now())
    finally:
        db.close()
    with zipfile.ZipFile(archive) as zf:
        GOOD["members"] = {n: zf.read(n) for n in zf.namelist()}
    GOOD["archive"] = archive.read_bytes()
    GOOD["office"] = office_file.read_bytes()


def _state(folder: Path, skip: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and skip not in p.parents}


def outcome(archive_bytes: bytes) -> str:
    """Verify, then restore over a fresh copy of the office's database; 'restored' or the refusal's message."""
    with tempfile.TemporaryDirectory(prefix="aiddesk-fuzz-") as work:
        folder = Path(work)
        inbox = folder / "收到"
        inbox.mkdir()
        archive = inbox / "office-备份-20261126-090000-手动.zip"
        archive.write_bytes(archive_bytes)
        path = folder / "office.sqlite"
        path.write_bytes(GOOD["office"])
        for name, data in ATTACHMENTS.items():
            target = folder / "office_附件" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"current " + data)
        try:
            verify_backup(archive)
            verified = True
        except UserError as err:
            assert CHINESE.search(err.message), err.message
            verified = False
        before = _state(folder, inbox)
        try:
            aside = restore_backup(path, archive, now=WHEN)
        except UserError as err:
            assert CHINESE.search(err.message), err.message
            assert _state(folder, inbox) == before, "a refused restore changed a file"
            assert not list(folder.glob("*恢复前*")) and not list(folder.glob(".*restoring*"))
            _event("refused")
            return err.message
        assert verified, "restore accepted what verify refused"
        assert aside is not None and aside.exists() and path.exists()
        _event("restored")
        return "restored"


# ---- damaged bytes -------------------------------------------------------------------------------------------


@fuzz(30)
@given(cut=st.floats(0, 1, exclude_max=True))
def test_an_archive_cut_anywhere_is_refused(cut):
    good = GOOD["archive"]
    assert outcome(good[:int(len(good) * cut)]) != "restored"


@fuzz(40)
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), min_size=1, max_size=8))
def test_an_archive_with_bytes_changed_is_refused_or_restored(flips):
    data = bytearray(GOOD["archive"])
    for where, mask in flips:
        data[int(len(data) * where)] ^= mask
    outcome(bytes(data))


@fuzz(20)
@given(data=st.binary(max_size=3000))
def test_random_bytes_are_refused(data):
    assert outcome(data) != "restored"


# ---- crafted archives ------------------------------------------------------------------------------------------

WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)), *(f"LPT{n}" for n in range(1, 10))}
HOSTILE_PARTS = ["..", ".", "", "C:", "c:x", "CON", "nul.txt", "Aux", "COM1", "lpt9.pdf", "x.", "x ", "a:b",
                 "a\\b", "..\\..", "\\\\server", "a\x01b", "a|b", "a?b", "a*b", 'a"b', "a<b>", "目录", "𠮷.jpg",
                 "照片.jpg", "户1", "证明.pdf", "A.PDF", "a.pdf", "长" * 90, "database.sqlite", "manifest.json"]
names = st.one_of(
    st.lists(st.sampled_from(HOSTILE_PARTS), min_size=1, max_size=4).map(lambda parts: "/".join(parts)),
    st.lists(st.sampled_from(HOSTILE_PARTS), min_size=1, max_size=3).map(lambda p: "attachments/" + "/".join(p)),
    st.text(min_size=1, max_size=40).map(lambda t: "attachments/" + t),
    st.sampled_from(["/etc/passwd", "C:/Windows/x", "//server/share/x", "attachments/", "attachments//x"]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children,
                                                                                   max_size=4)),
    max_leaves=6)
sizes = st.one_of(st.integers(-5, 10**12), st.sampled_from([0, 1, 2**31, 2**32, 2**63]), json_values)

operations = st.one_of(
    st.tuples(st.just("rename"), st.integers(0, 10), names),
    st.tuples(st.just("add"), names, st.binary(max_size=200)),
    st.tuples(st.just("add_unlisted"), names, st.binary(max_size=50)),
    st.tuples(st.just("drop_member"), st.integers(0, 10)),
    st.tuples(st.just("drop_listing"), st.integers(0, 10)),
    st.tuples(st.just("manifest_field"),
              st.sampled_from(["format", "app_version", "user_version", "created", "members", "audit_head",
                               "reason", "database_name"]), json_values),
    st.tuples(st.just("entry_size"), st.integers(0, 10), sizes),
    st.tuples(st.just("entry_hash"), st.integers(0, 10), st.one_of(st.text(max_size=70), json_values)),
    st.tuples(st.just("entry"), st.integers(0, 10), json_values),
    st.tuples(st.just("database"), st.one_of(st.binary(max_size=300),
                                             st.sampled_from([b"SQLite format 3\x00" + b"\x00" * 84, b""]))),
    st.tuples(st.just("cut_database"), st.floats(0, 1)),
    st.tuples(st.just("manifest_bytes"), st.one_of(st.binary(max_size=100),
                                                   st.sampled_from([b"[" * 100_000, b"{}", b"null", b"\xff\xfe"]))),
    st.tuples(st.just("twice"), st.integers(0, 10)),
)


def craft(members: dict[str, bytes], ops: list, method: int) -> bytes:
    """Apply ``ops`` to a good backup's members (hashes kept right unless an op says otherwise); the zip's bytes."""
    manifest = json.loads(members[MANIFEST])
    files = [[n, d] for n, d in members.items() if n != MANIFEST]
    manifest_bytes = None
    extra: list[tuple[str, bytes]] = []

    def listed() -> dict:
        return manifest["members"] if isinstance(manifest.get("members"), dict) else {}

    def entry(name: str, data: bytes) -> dict:
        return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    for op in ops:
        kind, *args = op
        if kind == "rename" and files:
            i, new = args[0] % len(files), args[1]
            old = files[i][0]
            files[i][0] = new
            listed()[new] = listed().pop(old, entry(new, files[i][1]))
        elif kind == "add":
            files.append([args[0], args[1]])
            listed()[args[0]] = entry(args[0], args[1])
        elif kind == "add_unlisted":
            files.append([args[0], args[1]])
        elif kind == "drop_member" and files:
            files.pop(args[0] % len(files))
        elif kind == "drop_listing" and listed():
            listed().pop(sorted(listed())[args[0] % len(listed())])
        elif kind == "manifest_field":
            manifest[args[0]] = args[1]
        elif kind in ("entry_size", "entry_hash", "entry") and listed():
            name = sorted(listed())[args[0] % len(listed())]
            if kind == "entry":
                listed()[name] = args[1]
            elif isinstance(listed()[name], dict):
                listed()[name]["size" if kind == "entry_size" else "sha256"] = args[1]
        elif kind in ("database", "cut_database"):
            for f in files:
                if f[0] == DB_MEMBER:
                    f[1] = args[0] if kind == "database" else f[1][:int(len(f[1]) * args[0])]
                    if isinstance(listed().get(DB_MEMBER), dict):
                        listed()[DB_MEMBER] = entry(DB_MEMBER, f[1])
        elif kind == "manifest_bytes":
            manifest_bytes = args[0]
        elif kind == "twice" and files:
            extra.append(tuple(files[args[0] % len(files)]))
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": a doubled member is one of the things tried
        with zipfile.ZipFile(buffer, "w", method) as zf:
            zf.writestr(MANIFEST, manifest_bytes if manifest_bytes is not None
                        else json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
            for name, data in [*map(tuple, files), *extra]:
                if name:  # zipfile itself cannot write a member with no name
                    zf.writestr(name, data)
    return buffer.getvalue()


@fuzz(80)
@given(ops=st.lists(operations, min_size=1, max_size=4),
       method=st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]))
def test_crafted_archives_are_refused_or_restored_never_crash(ops, method):
    outcome(craft(GOOD["members"], ops, method))


@fuzz(40)
@given(name=names)
def test_no_crafted_name_is_ever_extracted_outside_the_attachments(name):
    """A name that passes the checks lands under the attachments folder, on Windows as on Linux."""
    from pathlib import PurePosixPath, PureWindowsPath

    result = outcome(craft(GOOD["members"], [("add", name, b"x")], zipfile.ZIP_DEFLATED))
    if result == "restored":
        for flavour in (PurePosixPath, PureWindowsPath):
            p = flavour(name)
            assert not p.is_absolute() and not p.drive and ".." not in p.parts
            assert p.parts[0] == "attachments" and len(p.parts) > 1
        # Windows reads more into a name than its path classes show: C:x, a:stream, CON, a trailing dot.
        assert not set(name) & set('<>:"|?*\\') and all(32 <= ord(c) != 127 for c in name), name
        for part in name.split("/"):
            assert part not in ("", ".", "..") and not part.endswith((".", " ")), name
            assert part.partition(".")[0].rstrip(" ").upper() not in WINDOWS_DEVICES, name


def test_the_good_template_restores():
    assert outcome(GOOD["archive"]) == "restored"


def test_the_fuzzer_can_craft_an_archive_that_restores():
    """The crafting itself is sound: with a harmless new attachment the archive still restores."""
    assert outcome(craft(GOOD["members"], [("add", "attachments/新的/说明.txt", "说明".encode())],
                         zipfile.ZIP_DEFLATED)) == "restored"
