-- The vimdoc is valid and covers every command, <Plug> mapping and option.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

T.test("helptags build without duplicates", function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  T.defer(function()
    vim.fn.delete(dir, "rf")
  end)
  vim.uv.fs_copyfile(T.root .. "/doc/unity.txt", dir .. "/unity.txt")
  vim.cmd.helptags(dir) -- raises E154 on a duplicate tag
  T.truthy(vim.uv.fs_stat(dir .. "/tags"), "tags file")
end)

T.test("every command, mapping and option is documented", function()
  local doc = table.concat(vim.fn.readfile(T.root .. "/doc/unity.txt"), "\n")
  for name in pairs(vim.api.nvim_get_commands({})) do
    if name:match("^Unity") then
      T.contains(doc, "*:" .. name .. "*", "doc tag for :" .. name)
    end
  end
  for _, m in ipairs(vim.api.nvim_get_keymap("n")) do
    if m.lhs:match("^<Plug>%(unity") then
      T.contains(doc, "*" .. m.lhs .. "*", "doc tag for " .. m.lhs)
    end
  end
  local function walk(prefix, t)
    for k, v in pairs(t) do
      -- Either in the defaults block ("name = ") or in a table of its own ("  name  ...").
      T.truthy(
        doc:find(k .. " = ", 1, true) or doc:find("\n  " .. k .. " ", 1, true),
        "option " .. prefix .. k .. " documented"
      )
      if type(v) == "table" then
        walk(prefix .. k .. ".", v)
      end
    end
  end
  walk("", require("unity.config").defaults)
end)

T.test("the native module's version matches the Lua side, and a mismatch says how to rebuild", function()
  T.eq(require("unity.native").version, require("unity_native").version, "versions")
  local cargo = table.concat(vim.fn.readfile(T.root .. "/Cargo.toml"), "\n")
  T.contains(cargo, 'version = "' .. require("unity.native").version .. '"', "Cargo.toml version")
  -- A fresh load against a stale build.
  package.loaded["unity.native"] = nil
  package.loaded.unity_native = { version = "0.0.1" }
  local mod, err = require("unity.native").get()
  T.eq(nil, mod)
  T.contains(err, "rebuild it", "mismatch message")
  T.contains(err, ":Lazy build unity.nvim", "mismatch message")
  T.contains(err, ":UnityBuild", "mismatch message")
  package.loaded["unity.native"] = nil
  package.loaded.unity_native = nil
end)

T.run()
