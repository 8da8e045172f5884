--- The plugin's version and where it lives. The version is Cargo.toml's [package] version,
--- read at run time: Cargo.toml is the one source of truth. A release bumps it alone, the native
--- module reports the same number (env!("CARGO_PKG_VERSION")), and no generated copy can lag
--- behind a checkout that lazy.nvim has just moved to another tag.
local M = {}

--- The plugin's folder (the one holding lua/, plugin/ and Cargo.toml).
M.root = vim.fn.fnamemodify(assert(debug.getinfo(1, "S")).source:sub(2), ":p:h:h:h")

--- The [package] version in `root`'s Cargo.toml, or nil and why.
---@param root string
---@return string|nil, string|nil
function M.read(root)
  local f = io.open(root .. "/Cargo.toml", "r")
  if not f then
    return nil, root .. "/Cargo.toml is missing"
  end
  local text = f:read("*a") or ""
  f:close()
  local section
  for line in text:gmatch("[^\n]+") do
    section = line:match("^%s*%[([^%]]+)%]") or section
    local v = section == "package" and line:match('^%s*version%s*=%s*"([^"]+)"')
    if v then
      return v
    end
  end
  return nil, root .. "/Cargo.toml has no [package] version"
end

M.version = M.read(M.root) or "unknown"

return M
