# Sourced by ./run and ./test: make .venv with AidDesk installed (re-installing only when pyproject.toml changes).
# Usage: setup_env [extras]
setup_env() {
  local extras="${1:-}"
  local py="${PYTHON:-python3}"
  if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "需要 Python 3.11 或更新版本（当前：$("$py" --version 2>&1)）" >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "正在创建 .venv …" >&2
    "$py" -m venv .venv
  fi
  local want
  want="$(sha256sum pyproject.toml | cut -c1-16)-${extras}"
  if [ "$(cat .venv/.aiddesk-installed 2>/dev/null)" != "$want" ]; then
    echo "正在安装依赖 …" >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}"
    echo "$want" > .venv/.aiddesk-installed
  fi
}

# Qt's X11 plugin needs a few system libraries that not every Linux has; install them where we can.
ensure_qt_system_libs() {
  local missing=()
  for lib in libxcb-icccm.so.4 libxcb-keysyms.so.1 libxcb-cursor.so.0 libxkbcommon-x11.so.0 libEGL.so.1; do
    ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "正在安装 Qt 需要的系统库 …" >&2
    (apt-get install -y -qq libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 >/dev/null 2>&1 \
      || (apt-get update -qq && apt-get install -y -qq libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 >/dev/null 2>&1)) \
      || echo "提示：未能自动安装系统库 ${missing[*]}，如窗口打不开请让管理员安装。" >&2
  else
    echo "提示：缺少系统库 ${missing[*]}；如窗口打不开，请安装 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0。" >&2
  fi
}
