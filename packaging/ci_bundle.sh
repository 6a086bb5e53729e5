#!/usr/bin/env bash
# CI: build the Linux bundle with PyInstaller, then run it outside the project's virtualenv (clean environment,
# no display) and check it starts: --version, a demo database, a printed PDF, the integrity check, the main window.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${AIDDESK_VENV:-$root/.venv}
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# Reuse the test venv: it already has the program's dependencies; add PyInstaller only when missing.
if ! "$venv/bin/python" -c "import PyInstaller" 2>/dev/null; then
    "$venv/bin/python" -m pip install -q -e ".[package]"
fi

start=$(date +%s)
"$venv/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --workpath packaging/build --distpath packaging/dist packaging/aiddesk.spec
built=$(date +%s)
bundle=$root/packaging/dist/AidDesk
echo "打包用时 $((built - start)) 秒，程序文件夹 $bundle 大小 $(du -sh "$bundle" | cut -f1)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# env -i: no VIRTUAL_ENV, PYTHONPATH or site-packages from this machine; the bundle must carry everything.
run() { env -i PATH=/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen "$bundle/AidDesk" "$@"; }
fail() { echo "打包检查失败：$*" >&2; exit 1; }

version=$(run --version) || fail "--version 退出码非零"
expected=$("$venv/bin/python" -c "import aiddesk; print(aiddesk.__version__)")
[ "$version" = "工会帮扶工作台 AidDesk $expected" ] || fail "--version 输出“$version”，应为版本 $expected"

run --db "$tmp/demo.sqlite" demo --households 40 >"$tmp/demo.log" || { cat "$tmp/demo.log"; fail "demo"; }
read -r household year < <(env -i PATH=/usr/bin:/bin "$venv/bin/python" - "$tmp/demo.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute("SELECT archive_no FROM households ORDER BY id LIMIT 1").fetchone()[0],
      db.execute("SELECT max(year) FROM batches").fetchone()[0])
PY
)
run --db "$tmp/demo.sqlite" print archive --household "$household" --out "$tmp/archive.pdf" || fail "print archive"
head -c 5 "$tmp/archive.pdf" | grep -q '%PDF-' || fail "print archive 没有生成 PDF"
[ "$(stat -c %s "$tmp/archive.pdf")" -gt 10000 ] || fail "PDF 过小（字体未嵌入？）"
# Each library the program loads lazily, once: reportlab+Pillow (PDF), openpyxl, python-docx+lxml, msoffcrypto
# (password), calamine (import), chinese_calendar (公示 working days, via evaluate).
run --db "$tmp/demo.sqlite" report funds --year "$year" --pdf "$tmp/funds.pdf" --xlsx "$tmp/funds.xlsx" \
    >/dev/null || fail "report funds"
run --db "$tmp/demo.sqlite" report self-assessment --year "$year" --docx "$tmp/self.docx" --pdf "$tmp/self.pdf" \
    >/dev/null || fail "report self-assessment"
echo secret >"$tmp/password.txt"
run --db "$tmp/demo.sqlite" export "$tmp/locked.xlsx" --year "$year" --password-file "$tmp/password.txt" \
    >/dev/null || fail "export --password-file"
run --db "$tmp/demo.sqlite" export "$tmp/exchange.xlsx" --year "$year" >/dev/null || fail "export"
run --db "$tmp/demo.sqlite" import "$tmp/exchange.xlsx" --dry-run >/dev/null || fail "import --dry-run"
run --db "$tmp/demo.sqlite" evaluate --year "$year" --json >/dev/null || fail "evaluate"
for f in funds.pdf funds.xlsx self.docx self.pdf locked.xlsx exchange.xlsx; do
    [ -s "$tmp/$f" ] || fail "没有生成 $f"
done
if run --help | grep -q ' check '; then
    run --db "$tmp/demo.sqlite" check || fail "check"
fi
run --db "$tmp/demo.sqlite" gui --smoke-test 1 || fail "界面自检（gui --smoke-test）"
echo "打包检查通过：$bundle"
