--- Loads the native module (lua/unity_native.so, .dll on Windows) and checks that it matches
--- this Lua code.
local M = {}

--- The version the Lua side expects: Cargo.toml's, which the module is built from.
M.version = require("unity.version").version

local FIX = ":UnityBuild, or :Lazy build unity.nvim (it downloads the release's library, or builds it with cargo)"

local loaded ---@type table|nil
local load_error ---@type string|nil

--- The native module, or nil and a message saying how to fix it.
---@return table|nil, string|nil
function M.get()
  if loaded or load_error then
    return loaded, load_error
  end
  local ok, mod = pcall(require, "unity_native") ---@type boolean, any
  if not ok then
    load_error = "the native module is missing or does not load: install it with "
      .. FIX
      .. "\n("
      .. tostring(mod):gsub("\n.*", "")
      .. ")"
  elseif mod.version ~= M.version then
    load_error = string.format(
      "the native module is version %s but the plugin is %s (an update left the old library): rebuild it with %s, then restart Neovim",
      tostring(mod.version),
      M.version,
      FIX
    )
  else
    loaded = mod
  end
  return loaded, load_error
end

--- The native module, or nil after saying (as an error) why it is missing and how to fix it:
--- for the commands that cannot do anything without it.
---@return table|nil
function M.or_say()
  local mod, err = M.get()
  if not mod then
    require("unity.messages").notify(assert(err), vim.log.levels.ERROR)
  end
  return mod
end

return M
