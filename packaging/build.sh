#!/usr/bin/env bash
# Builds the Linux program folder (packaging/dist/AidDesk) in its own venv (packaging/.venv-build).
# Run on the oldest Linux you ship to (统信UOS, 麒麟): the bundle uses that machine's glibc.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${AIDDESK_BUILD_VENV:-packaging/.venv-build}
python=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
    echo "创建打包用的虚拟环境 $venv …"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q ".[package]"
"$venv/bin/python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --workpath packaging/build --distpath packaging/dist packaging/aiddesk.spec
bundle=$PWD/packaging/dist/AidDesk
version=$("$bundle/AidDesk" --version)
echo
echo "打包完成：$version"
echo "程序文件夹：$bundle（$(du -sh "$bundle" | cut -f1)）"
echo "运行：$bundle/AidDesk    整个文件夹可复制到其他同类电脑上使用。"
