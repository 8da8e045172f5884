--- The one place that names release assets and the version rule. The installer reads it, and
--- .github/workflows/release.yml builds exactly these files (tests/nvim/install_spec.lua
--- compares the two).
local M = {}

--- Rust target triples of the prebuilt libraries, by system as `M.system()` names it.
M.targets = {
  ["linux-x86_64"] = "x86_64-unknown-linux-gnu",
  ["linux-aarch64"] = "aarch64-unknown-linux-gnu",
  ["macos-x86_64"] = "x86_64-apple-darwin",
  ["macos-arm64"] = "aarch64-apple-darwin",
  ["windows-x86_64"] = "x86_64-pc-windows-msvc",
}

--- Neovim's loader finds `lua/<name>.so` everywhere but on Windows, where it wants `.dll`.
---@param triple string
---@return string
local function ext(triple)
  return triple:find("windows", 1, true) and "dll" or "so"
end

--- A release asset's file name; its checksum is `<file>.sha256`, as sha256sum writes it.
---@param triple string
---@return string
function M.file(triple)
  return "unity_native-" .. triple .. "." .. ext(triple)
end

--- The release tag of a version: `v` and Cargo.toml's version.
---@param version string
---@return string
function M.tag(version)
  return "v" .. version
end

--- The library's name under lua/, and the provenance file written beside it.
M.library = "unity_native." .. (vim.fn.has("win32") == 1 and "dll" or "so")
M.provenance = "unity_native.json"

local OS = { Linux = "linux", Darwin = "macos", Windows_NT = "windows" }
-- Linux says aarch64 and macOS arm64 for the same CPU; the keys keep each system's word.
local CPU = { amd64 = "x86_64", AMD64 = "x86_64", x64 = "x86_64" }

--- This system as a key of `M.targets` and its triple, or nil and the system's own words for
--- it. Linux means glibc: a musl system (Alpine) has no release build.
---@param uname? {sysname: string, machine: string}
---@param musl? boolean
---@return string|nil key, string|nil triple_or_name
function M.system(uname, musl)
  uname = uname or vim.uv.os_uname()
  local os_name, cpu = OS[uname.sysname] or uname.sysname, CPU[uname.machine] or uname.machine
  if musl == nil then
    musl = os_name == "linux" and #vim.fn.glob("/lib/ld-musl-*", true, true) > 0
  end
  local key = os_name .. "-" .. cpu
  if musl or not M.targets[key] then
    return nil, key .. (musl and " (musl)" or "")
  end
  return key, M.targets[key]
end

return M
