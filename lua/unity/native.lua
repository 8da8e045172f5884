--- Loads the native module (lua/unity_native.so) and checks that it matches this Lua code.
local M = {}

--- The version the Lua side expects; `make` builds the module from Cargo.toml's version.
M.version = "0.1.0"

local BUILD_HINT = "build it with `make` in the unity.nvim folder, or :Lazy build unity.nvim"

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
    load_error = "unity.nvim's native module is missing or does not load: "
      .. BUILD_HINT
      .. "\n("
      .. tostring(mod):gsub("\n.*", "")
      .. ")"
  elseif mod.version ~= M.version then
    load_error = string.format(
      "unity.nvim's native module is version %s but the Lua code is %s: rebuild it (%s)",
      tostring(mod.version),
      M.version,
      BUILD_HINT
    )
  else
    loaded = mod
  end
  return loaded, load_error
end

return M
