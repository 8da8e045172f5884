-- One voice for failures: the native module hands kinds and data, never sentences, and
-- lua/unity/messages.lua words every kind there is.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local messages = require("unity.messages")

--- The quoted names of a region of a source file.
---@param file string
---@param from string  a Lua pattern where the region starts
---@param to string    a Lua pattern where it ends
---@return table<string, true>
local function names_in(file, from, to)
  local text = table.concat(vim.fn.readfile(T.root .. "/" .. file), "\n")
  local region = assert(text:match(from .. "(.-)" .. to), "the region in " .. file)
  local names = {}
  for name in region:gmatch('"([%w_]+)"') do
    names[name] = true
  end
  T.truthy(next(names), "names found in " .. file)
  return names
end

T.test("every failure kind, native or the client's, is listed and worded", function()
  local native = names_in("src/failure.rs", "pub const KINDS[^=]*= %[", "%];")
  local alias = names_in("lua/unity/types.lua", "@alias unity%.FailureKind", "\n%-%-%-@class")
  local worded = {}
  for _, kind in ipairs(messages.failure_kinds()) do
    worded[kind] = true
  end
  for kind in pairs(native) do
    T.truthy(alias[kind], "native kind " .. kind .. " in unity.FailureKind")
  end
  for kind in pairs(alias) do
    T.truthy(worded[kind], "kind " .. kind .. " worded in messages.lua")
  end
  for kind in pairs(worded) do
    T.truthy(alias[kind], "worded kind " .. kind .. " in unity.FailureKind")
  end
end)

T.test("the native checks give data, and messages.lua words it", function()
  local dir = T.project()
  local nb = dir .. "/Temp/NeovimBridge"
  vim.fn.mkdir(nb, "p", tonumber("755", 8))
  local native = assert(require("unity.native").get())
  local ok, failure = native.check(dir)
  T.eq(nil, ok, "an open folder is refused")
  T.eq("table", type(failure), "a failure table, not a sentence")
  T.eq("refused", failure.kind)
  T.eq("shared", failure.why)
  T.eq("755", failure.mode)
  T.eq(nb, failure.path)
  local text = messages.failure(failure)
  T.contains(text, nb .. " is accessible by other users (mode 755)", "what is wrong")
  T.contains(text, "Delete the folder " .. nb .. " and restart Unity", "what to do")

  -- A FIFO that is a regular file: the folder to delete is the one holding it.
  vim.uv.fs_chmod(nb, tonumber("700", 8))
  for _, f in ipairs({ "unity-to-nvim", "nvim-to-unity" }) do
    vim.fn.writefile({}, nb .. "/" .. f)
    vim.uv.fs_chmod(nb .. "/" .. f, tonumber("600", 8))
  end
  ok, failure = native.check(dir)
  T.eq(nil, ok)
  T.eq("not_fifo", failure.why)
  T.contains(messages.failure(failure), "is not a FIFO. Delete the folder " .. nb .. " ", "folder of a FIFO")
end)

T.run()
