--- The project files C# language servers read (`<project>/*.sln`, `*.csproj`): regenerating
--- them (:UnitySyncProjects, the `sync` command), Unity regenerating them on its own (`projects`
--- messages), and whether they are stale (:checkhealth unity).
local messages = require("unity.messages")

local M = {}
local H = {}

--- :UnitySyncProjects: asks Unity to write the project files now.
---@return integer|nil id, string|nil err
function M.sync()
  local id, err = require("unity.client").send("sync", nil, function(reply)
    if not reply.ok then
      messages.notify(messages.sync_failed(reply.error), vim.log.levels.ERROR)
      return
    end
    local files = type(reply.result) == "table" and reply.result.files or {}
    messages.notify(messages.synced(#files))
    if #files > 0 then
      H.changed(files, "sync")
    end
  end)
  if not id then
    messages.notify(assert(err), vim.log.levels.ERROR)
  end
  return id, err
end

--- A `projects` message: Unity regenerated the project files without being asked.
---@param files string[]
function M.regenerated(files)
  messages.notify(messages.regenerated(#files))
  H.changed(files, "unity")
end

--- Whether `root` has project files and whether they are older than its sources: a `.cs` newer
--- than every project file that no `.csproj` names, or a newer `.asmdef`/`.asmref`, under Assets/
--- or Packages/. Stops at the first such file. An edited script that a project already lists does
--- not count: Unity rewrites a project file only when its text changes.
---@param root string
---@return unity.ProjectFilesState
function M.state(root)
  local files, newest = {}, nil
  for name, kind in vim.fs.dir(root) do
    if kind == "file" and (name:match("%.sln$") or name:match("%.csproj$")) then
      local path = root .. "/" .. name
      files[#files + 1] = path
      local t = H.mtime(path)
      newest = (newest and newest > t) and newest or t
    end
  end
  table.sort(files)
  local state = { files = files }
  if not newest then
    return state
  end
  local listed -- every .csproj's text, read when first needed
  for _, top in ipairs({ "Assets", "Packages" }) do
    for rel, kind in
      vim.fs.dir(root .. "/" .. top, {
        depth = math.huge --[[@as integer]],
        skip = H.visible,
      })
    do
      local ext = kind == "file" and rel:match("%.(%w+)$")
      if (ext == "cs" or ext == "asmdef" or ext == "asmref") and H.mtime(root .. "/" .. top .. "/" .. rel) > newest then
        local path = top .. "/" .. rel
        if ext ~= "cs" then
          state.stale, state.why = path, "changed after the project files were written"
          return state
        end
        listed = listed or H.read_projects(files)
        if not listed:find(path, 1, true) then
          state.stale, state.why = path, "is newer than the project files and in none of them"
          return state
        end
      end
    end
  end
  return state
end

--- :checkhealth unity's section on project files.
---@param root string
function M.check_health(root)
  local h = vim.health
  local ok, state = pcall(M.state, root)
  if not ok then
    h.warn("could not check the project files: " .. tostring(state))
    return
  end
  local fix = "regenerate them: :UnitySyncProjects (or Unity: Preferences > External Tools > Regenerate project files)"
  if #state.files == 0 then
    h.warn(
      "no .sln or .csproj in the project folder: a C# language server (roslyn.nvim, OmniSharp, csharp-ls) will not understand the project",
      { fix }
    )
  elseif state.stale then
    h.warn(string.format("the project files are stale: %s %s", state.stale, state.why), { fix })
  else
    local names = vim.tbl_map(function(f)
      return vim.fs.basename(f)
    end, state.files)
    h.ok("project files up to date: " .. table.concat(names, ", "))
  end
end

---@param files string[]
---@param by "sync"|"unity"
function H.changed(files, by)
  local data = { files = files, project = require("unity.client").status().project, by = by }
  require("unity.client").fire("UnityProjectsChanged", data)
end

--- Hidden folders and those ending in `~` hold nothing Unity compiles.
---@param rel string  a folder's path below the walk's start
function H.visible(rel)
  local name = rel:match("[^/]*$") or rel
  return not (name:match("^%.") or name:match("~$"))
end

---@param path string
---@return number seconds  with fractions
function H.mtime(path)
  local st = vim.uv.fs_stat(path)
  return st and (st.mtime.sec + st.mtime.nsec * 1e-9) or 0
end

--- The .csproj files' text, with `\` made `/` (Unity writes Windows separators on Windows).
function H.read_projects(files)
  local parts = {}
  for _, f in ipairs(files) do
    if f:match("%.csproj$") then
      local fd = io.open(f, "r")
      if fd then
        parts[#parts + 1] = fd:read("*a")
        fd:close()
      end
    end
  end
  return (table.concat(parts, "\n"):gsub("\\", "/"))
end

return M
