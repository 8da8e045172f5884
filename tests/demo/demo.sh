#!/bin/sh
# `make demo`: the peer (`unity-peer editor`) plays a Unity editor that streams its console into Neovim, opened in the demo
# project with the log window. Without a terminal it prints a transcript instead.
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
nvim=${1:-nvim}
project="$root/tests/demo/project"
# Start from the demo as committed (the compile error in place), whatever a previous run did.
git -C "$root" checkout -q -- tests/demo/project/Assets 2>/dev/null || true
mkdir -p "$project/Temp"
"$root/target/release/unity-peer" editor --project "$project" --rate 3 2>"$project/Temp/unity-peer.log" &
peer=$!
trap 'kill $peer 2>/dev/null || true; wait $peer 2>/dev/null || true' EXIT HUP INT TERM
cd "$project"
if [ -t 0 ] && [ -t 1 ]; then
  "$nvim" --clean -u "$root/tests/demo/init.lua" Assets/Scripts/Enemy.cs
else
  "$nvim" --headless --clean -l "$root/tests/demo/transcript.lua"
fi
