#!/bin/sh
# make lint: LuaCATS type checking of lua/ and plugin/ with emmylua_check (crates.io; .ci/run
# installs it, pinned), against the annotations of Neovim's own runtime and the stubs in
# tests/lint/meta (the parts of luv and neotest the plugin uses: neither ships its types here).
# Off: unnecessary-if, which judges module state and table lookups by the values they start
# with (every finding of it here was wrong); strict array indexing, which makes every `t[1]`
# possibly nil (Neovim's own API lists, cursor positions); preferred-local-alias, a hint about
# comparisons the drain makes on purpose (the handle now against the one it started with).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
nvim=${NVIM:-$(sh "$root/tests/find-nvim.sh")}
runtime=$("$nvim" --headless --clean -c 'lua io.stdout:write(vim.env.VIMRUNTIME)' -c q)
# A folder of its own: BSD mktemp fills only trailing Xs, and the file must end in .json.
dir=$(mktemp -d "${TMPDIR:-/tmp}/unity-types.XXXXXX")
trap 'rm -rf "$dir"' EXIT
config="$dir/emmyrc.json"
cat >"$config" <<JSON
{
  "runtime": { "version": "LuaJIT" },
  "workspace": { "library": ["$runtime/lua", "$root/tests/lint/meta"] },
  "diagnostics": {
    "globals": ["vim"],
    "disable": ["unnecessary-if", "preferred-local-alias"]
  },
  "strict": { "arrayIndex": false }
}
JSON
cd "$root"
emmylua_check --config "$config" --warnings-as-errors lua plugin
