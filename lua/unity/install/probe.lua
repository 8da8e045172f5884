-- Run as `nvim --headless --clean -l probe.lua <root> <library> <sha256>` by the installer, in
-- a process of its own so that a library that crashes or hangs on load takes nothing down and
-- the Neovim that asked never maps it. Hashes the file and, only when the hash is the expected
-- one, loads it; prints {sha256, version?, error?} as JSON.
local root, file, want = arg[1], arg[2], arg[3]
vim.opt.rtp:prepend(root)
local out = { sha256 = require("unity.install.sha256").file(file) }
if out.sha256 == want then
  local open, err = package.loadlib(file, "luaopen_unity_native")
  if not open then
    out.error = tostring(err)
  else
    local ok, mod = pcall(open)
    if ok and type(mod) == "table" then
      out.version = mod.version
    else
      out.error = ok and "luaopen_unity_native returned no table" or tostring(mod)
    end
  end
end
io.stdout:write(vim.json.encode(out))
