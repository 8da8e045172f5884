--- neotest-unity: Unity's tests in neotest (https://github.com/nvim-neotest/neotest), run
--- through unity.nvim's bridge in the editor that is already open (no `unity -batchmode`).
---
--- Written against neotest's adapter interface as of neotest v5.20.0 (commit 1c529a1,
--- lua/neotest/adapters/interface.lua and lua/neotest/types/init.lua). Position ids are Unity's
--- full names (`Ns.Fixture.Method`, `Ns.Outer+Inner.Method`, `Ns.Fixture.Method(1,2)`), so that
--- results map back by name. Fixtures are "namespace" positions; C# namespaces only prefix the
--- ids, never a position of their own: neotest keys positions by id across the whole project,
--- and one namespace spans many files.
---
---   require("neotest").setup({ adapters = { require("neotest-unity") } })
local csharp = require("unity.csharp")

local M = { name = "neotest-unity" }

--- Folders of a Unity project that hold no test sources (or hold Unity's own copies).
local SKIPPED = {
  Library = true,
  Temp = true,
  Logs = true,
  obj = true,
  Build = true,
  Builds = true,
  UserSettings = true,
  ProjectSettings = true,
}

---@param dir string
---@return string|nil
function M.root(dir)
  return require("unity.project").find(dir)
end

---@param name string
---@param rel_path string
---@return boolean
function M.filter_dir(name, rel_path)
  if name:sub(1, 1) == "." or name:sub(-1) == "~" then
    return false -- hidden, and folders Unity ignores
  end
  local top = rel_path:match("^[^/]+") or name
  return not SKIPPED[top]
end

local function read(path)
  local f = io.open(path, "r")
  if not f then
    return nil
  end
  local text = f:read("*a")
  f:close()
  return text
end

--- A C# file that uses NUnit or Unity's test tools.
---@param file_path string
---@return boolean
function M.is_test_file(file_path)
  if not file_path:match("%.cs$") then
    return false
  end
  local text = read(file_path)
  return text ~= nil and (text:find("NUnit.Framework", 1, true) or text:find("UnityEngine.TestTools", 1, true)) ~= nil
end

---@param node unity.CsNode
---@param path string
---@param lines string[]
local function to_list(node, path, lines)
  local last = lines[node.last] or ""
  local pos = {
    id = node.full_name,
    type = node.kind == "class" and "namespace" or "test",
    name = node.name,
    path = path,
    range = { node.first - 1, 0, node.last - 1, #last },
  }
  if #node.children == 0 then
    return pos
  end
  local list = { pos }
  for _, child in ipairs(node.children) do
    list[#list + 1] = to_list(child, path, lines)
  end
  return list
end

--- The positions of a file as the nested lists neotest.Tree.from_list takes.
---@param file_path string
---@return table|nil
function M.positions(file_path)
  local text = read(file_path)
  if not text then
    return nil
  end
  local lines = vim.split(text, "\n", { plain = true })
  local list = {
    {
      id = file_path,
      type = "file",
      name = vim.fs.basename(file_path),
      path = file_path,
      range = { 0, 0, #lines - 1, #(lines[#lines] or "") },
    },
  }
  for _, node in ipairs(csharp.parse(text)) do
    list[#list + 1] = to_list(node, file_path, lines)
  end
  return list
end

---@param file_path string
---@return neotest.Tree|nil
function M.discover_positions(file_path)
  local list = M.positions(file_path)
  return list and require("neotest.types.tree").from_list(list, function(pos)
    return pos.id
  end)
end

--- "play" when the assembly of the files in `dir` (the nearest .asmdef at or above it) is not
--- Editor-only.
---@param dir string
---@param root string|nil
---@return "edit"|"play"
function M.mode(dir, root)
  local d = dir ---@type string|nil
  while d and #d >= #(root or "/") do
    for name, kind in vim.fs.dir(d) do
      if kind == "file" and name:match("%.asmdef$") then
        local ok, def = pcall(vim.json.decode, read(d .. "/" .. name) or "")
        local platforms = ok and type(def) == "table" and def.includePlatforms or {}
        return (#platforms == 1 and platforms[1] == "Editor") and "edit" or "play"
      end
    end
    local parent = vim.fs.dirname(d)
    d = parent ~= d and parent or nil
  end
  return "edit"
end

--- The names Unity runs for a position: a test, or every fixture in it (a nested class is a
--- fixture of its own in NUnit's tree, not part of the outer one).
---@param tree neotest.Tree
---@return string[]
local function names_of(tree)
  if tree:data().type == "test" then
    return { tree:data().id }
  end
  local names = {}
  for _, node in tree:iter_nodes() do
    if node:data().type == "namespace" then
      names[#names + 1] = node:data().id
    end
  end
  return names
end

--- A run spec of this adapter: what `build_spec` puts in its context, and what the run adds.
---@class neotest-unity.RunSpec: neotest.RunSpec
---@field context {opts: unity.TestOpts, summary?: unity.TestSummary, error?: string}

---@param args neotest.RunArgs
---@return neotest-unity.RunSpec|nil
function M.build_spec(args)
  local tree = args.tree
  local pos = tree:data()
  local names = names_of(tree)
  if #names == 0 then
    return nil
  end
  local root = M.root(pos.path)
  return {
    command = {},
    cwd = root,
    context = {
      opts = { mode = M.mode(pos.type == "dir" and pos.path or vim.fs.dirname(pos.path), root), names = names },
    },
    strategy = M.strategy,
  }
end

--- Runs a spec's tests through the bridge; `on_done(summary|nil, err|nil)` when they finished.
--- The summary is kept in `spec.context` for `results`, and written as the run's output.
---@param spec neotest-unity.RunSpec
---@param on_done fun(code: integer, output: string)
function M.start(spec, on_done)
  local output = vim.fn.tempname()
  require("unity").test(spec.context.opts, function(summary, err)
    spec.context.summary, spec.context.error = summary, err
    local text = {}
    for _, r in ipairs(summary and summary.results or {}) do
      text[#text + 1] = string.format("%s %s (%d ms)", r.status, r.full_name, r.ms)
      if r.status == "failed" then
        text[#text + 1] = r.message or ""
        text[#text + 1] = r.stack or ""
      end
    end
    if summary then
      text[#text + 1] = require("unity.messages").tested(summary)
    else
      text[#text + 1] = err or ""
    end
    vim.fn.writefile(vim.split(table.concat(text, "\n"), "\n", { plain = true }), output)
    on_done((summary and summary.failed == 0 and not summary.interrupted) and 0 or 1, output)
  end)
  return output
end

--- neotest's strategy for this adapter (`neotest.Strategy`): the run is a command to the open
--- editor, so the "process" is the bridge's run. Needs nvim-nio, which neotest depends on.
---@param spec neotest-unity.RunSpec
---@return neotest.Process
function M.strategy(spec)
  local nio = require("nio")
  local done = nio.control.future()
  local output
  vim.schedule(function()
    output = M.start(spec, function(code)
      done.set(code)
    end)
  end)
  return {
    is_complete = function()
      return done.is_set()
    end,
    output = function()
      done.wait()
      return output
    end,
    result = function()
      return done.wait()
    end,
    attach = function() end,
    stop = function()
      vim.schedule(function()
        require("unity").send("tests.cancel", {})
      end)
    end,
    output_stream = function()
      return function()
        done.wait()
        return nil
      end
    end,
  }
end

local STATUS = { passed = "passed", failed = "failed", skipped = "skipped", inconclusive = "skipped" }

--- Unity's results as neotest's, by position id. A case whose name neotest's tree does not
--- hold (its arguments shown otherwise) counts for its method.
---@param spec neotest-unity.RunSpec
---@param _ neotest.StrategyResult
---@param tree neotest.Tree
---@return table<string, neotest.Result>
function M.results(spec, _, tree)
  local summary, out = spec.context.summary, {}
  if not summary then
    local err = spec.context.error or "the run did not finish"
    for _, node in tree:iter_nodes() do
      if node:data().type == "test" then
        out[node:data().id] = { status = "failed", short = err, errors = { { message = err } } }
      end
    end
    return out
  end
  for _, r in ipairs(summary.results) do
    local id = r.full_name
    if not tree:get_key(id) then
      id = id:gsub("%b()$", "")
    end
    local node = tree:get_key(id)
    if node then
      local pos = node:data()
      local result = out[id] or { status = STATUS[r.status] or "skipped", errors = {} }
      if r.status == "failed" then
        result.status = "failed"
        result.short = (result.short and (result.short .. "\n") or "") .. r.full_name .. ": " .. (r.message or "")
        local line = (r.file == pos.path and r.line) or (r.method_file == pos.path and r.method_line) or nil
        table.insert(result.errors, { message = r.message or r.full_name, line = line and line - 1 or nil })
      end
      out[id] = result
      -- A method holding cases: failed when one of them failed.
      local parent = node:parent()
      if parent and parent:data().type == "test" then
        local agg = out[parent:data().id] or { status = "passed", errors = {} }
        if result.status == "failed" then
          agg.status = "failed"
          vim.list_extend(agg.errors, result.errors)
        end
        out[parent:data().id] = agg
      end
    end
  end
  return out
end

return M
