--- :UnityNew: a script from Unity's script templates, filled as Unity fills them.
---
--- Templates are `<priority>-<Menu>__<Sub>-<DefaultName>.cs.txt` files: the project's own in
--- Assets/ScriptTemplates/, then the editor's in its `Resources/ScriptTemplates` (found from
--- the running editor's executable on Linux, else at Unity Hub's default install folder for
--- the project's version), else unity.nvim's built-in ones. The filling mirrors
--- `ProjectWindowUtil.PreprocessScriptAssetTemplate` and `RemoveOrInsertNamespace` (Unity C#
--- reference, 2021.3 and 6000; tests/unity_host/README.md cites them).
local messages = require("unity.messages")
local paths = require("unity.paths")
local project = require("unity.project")

local M = {}

--- Built-in templates, for when no editor's are found: Unity's stock texts (its editor's
--- Resources/ScriptTemplates; tests/script_templates/README.md says where each was read), by
--- the version that ships them, except `editor-script`, which is unity.nvim's own (no Unity
--- editor ships one).
local MONOBEHAVIOUR_2021 = {
  "using System.Collections;",
  "using System.Collections.Generic;",
  "using UnityEngine;",
  "",
  "    #ROOTNAMESPACEBEGIN#",
  "public class #SCRIPTNAME# : MonoBehaviour",
  "{",
  "    // Start is called before the first frame update",
  "    void Start()",
  "    {",
  "        #NOTRIM#",
  "    }",
  "",
  "    // Update is called once per frame",
  "    void Update()",
  "    {",
  "        #NOTRIM#",
  "    }",
  "}",
  "#ROOTNAMESPACEEND#",
  "",
}

local BUILTIN = {
  ["monobehaviour-script"] = {
    "using UnityEngine;",
    "",
    "    #ROOTNAMESPACEBEGIN#",
    "public class #SCRIPTNAME# : MonoBehaviour",
    "{",
    "    // Start is called once before the first execution of Update after the MonoBehaviour is created",
    "    void Start()",
    "    {",
    "        #NOTRIM#",
    "    }",
    "",
    "    // Update is called once per frame",
    "    void Update()",
    "    {",
    "        #NOTRIM#",
    "    }",
    "}",
    "#ROOTNAMESPACEEND#",
    "",
  },
  ["scriptableobject-script"] = {
    "using UnityEngine;",
    "",
    "    #ROOTNAMESPACEBEGIN#",
    '[CreateAssetMenu(fileName = "#SCRIPTNAME#", menuName = "Scriptable Objects/#SCRIPTNAME#")]',
    "public class #SCRIPTNAME# : ScriptableObject",
    "{",
    "    #NOTRIM#",
    "}",
    "#ROOTNAMESPACEEND#",
    "",
  },
  ["empty-c-script"] = {
    "using UnityEngine;",
    "",
    "    #ROOTNAMESPACEBEGIN#",
    "public class #SCRIPTNAME#",
    "{",
    "    #NOTRIM#",
    "}",
    "#ROOTNAMESPACEEND#",
    "",
  },
  ["test-script"] = {
    "using System.Collections;",
    "using NUnit.Framework;",
    "using UnityEngine;",
    "using UnityEngine.TestTools;",
    "",
    "    #ROOTNAMESPACEBEGIN#",
    "public class #SCRIPTNAME#",
    "{",
    "    // A Test behaves as an ordinary method",
    "    [Test]",
    "    public void #SCRIPTNAME#SimplePasses()",
    "    {",
    "        // Use the Assert class to test conditions",
    "    }",
    "",
    "    // A UnityTest behaves like a coroutine in Play Mode. In Edit Mode you can use",
    "    // `yield return null;` to skip a frame.",
    "    [UnityTest]",
    "    public IEnumerator #SCRIPTNAME#WithEnumeratorPasses()",
    "    {",
    "        // Use the Assert class to test conditions.",
    "        // Use yield to skip a frame.",
    "        yield return null;",
    "    }",
    "}",
    "#ROOTNAMESPACEEND#",
    "",
  },
  ["editor-script"] = {
    "using UnityEditor;",
    "using UnityEngine;",
    "",
    "    #ROOTNAMESPACEBEGIN#",
    "public class #SCRIPTNAME# : Editor",
    "{",
    "    public override void OnInspectorGUI()",
    "    {",
    "        #NOTRIM#",
    "    }",
    "}",
    "#ROOTNAMESPACEEND#",
    "",
  },
}

--- The editor version of the project (ProjectSettings/ProjectVersion.txt).
---@param root string
---@return string|nil
local function version(root)
  for _, line in ipairs(vim.fn.readfile(root .. "/ProjectSettings/ProjectVersion.txt")) do
    local v = line:match("^m_EditorVersion:%s*(%S+)")
    if v then
      return v
    end
  end
  return nil
end

--- The editor's ScriptTemplates folder, when found.
---@param root string
---@return string|nil
local function editor_templates(root)
  local s = project.session(root)
  local exe = s and vim.uv.fs_realpath("/proc/" .. s.pid .. "/exe")
  local candidates = { exe and (vim.fs.dirname(exe) .. "/Data/Resources/ScriptTemplates") }
  local v = version(root)
  if v then
    vim.list_extend(candidates, {
      vim.fn.expand("~") .. "/Unity/Hub/Editor/" .. v .. "/Editor/Data/Resources/ScriptTemplates",
      "/Applications/Unity/Hub/Editor/" .. v .. "/Unity.app/Contents/Resources/ScriptTemplates",
      "C:/Program Files/Unity/Hub/Editor/" .. v .. "/Editor/Data/Resources/ScriptTemplates",
    })
  end
  for _, dir in pairs(candidates) do
    if vim.fn.isdirectory(dir) == 1 then
      return dir
    end
  end
  return nil
end

--- A template's short name: its menu item's last part, lower case, words joined by "-"
--- ("81-C# Script-NewBehaviourScript.cs.txt": "c-script").
---@param file string
---@return string|nil name, number priority
local function short(file)
  local priority, menu = vim.fs.basename(file):match("^(%d+)%-(.+)%-[^-]+%.cs%.txt$")
  if not menu then
    return nil, 0
  end
  local last = menu:match("([^_]+)$") or menu
  return (last:lower():gsub("[^%w]+", "-"):gsub("^%-", ""):gsub("%-$", "")), tonumber(priority) or 0
end

--- The script templates for `root`, by short name: file paths, or built-in line lists. The
--- project's override the editor's, which override the built-in ones.
---@param root string
---@return table<string, string|string[]> templates, string default
function M.templates(root)
  local found = {} ---@type table<string, string|string[]>
  for name, lines in pairs(BUILTIN) do
    found[name] = lines
  end
  -- Unity 6 renamed its C# Script template to MonoBehaviour Script and changed its text.
  if tonumber((version(root) or ""):match("^(%d+)") or 6000) < 6000 then
    found["monobehaviour-script"] = MONOBEHAVIOUR_2021
  end
  local best, best_priority
  local dirs = { editor_templates(root), root .. "/Assets/ScriptTemplates" }
  for _, dir in pairs(dirs) do
    for _, file in ipairs(vim.fn.glob(dir .. "/*.cs.txt", true, true)) do
      local name, priority = short(file)
      if name then
        found[name] = file
        if not best_priority or priority < best_priority then
          best, best_priority = name, priority
        end
      end
    end
  end
  local default = found["monobehaviour-script"] and "monobehaviour-script" or best or "monobehaviour-script"
  return found, default
end

--- The root namespace Unity gives a new script at `rel` (relative to `root`): the nearest
--- assembly definition's `rootNamespace`; without one, the project's (Editor settings). An
--- assembly definition without the field gives none up to 2022.2, the project's from 2022.3
--- (`CompilationPipeline.GetAssemblyRootNamespaceFromScriptPath`).
---@param root string
---@param rel string
---@return string|nil
function M.root_namespace(root, rel)
  local settings = root .. "/ProjectSettings/EditorSettings.asset"
  local project_ns = nil
  if vim.fn.filereadable(settings) == 1 then
    for _, line in ipairs(vim.fn.readfile(settings)) do
      project_ns = line:match("^%s*m_ProjectGenerationRootNamespace:%s*(%S+)") or project_ns
    end
  end
  local dir = vim.fs.dirname(root .. "/" .. rel)
  while #dir > #root do
    local asmdef = vim.fn.glob(dir .. "/*.asmdef", true, true)[1]
    if asmdef then
      local ok, def = pcall(vim.json.decode, table.concat(vim.fn.readfile(asmdef), "\n"))
      local ns = ok and type(def) == "table" and def.rootNamespace or nil
      if ns ~= nil then
        return ns
      end
      local major, minor = (version(root) or ""):match("^(%d+)%.(%d+)")
      local newer = tonumber(major or 0) > 2022 or (tonumber(major or 0) == 2022 and tonumber(minor or 0) >= 3)
      return newer and project_ns or nil
    end
    dir = vim.fs.dirname(dir)
  end
  return project_ns
end

--- `content` with the namespace tags replaced, as Unity's `RemoveOrInsertNamespace` does.
---@param content string
---@param ns? string
---@return string
local function namespace(content, ns)
  local begin_tag, end_tag = "#ROOTNAMESPACEBEGIN#", "#ROOTNAMESPACEEND#"
  if not content:find(begin_tag, 1, true) or not content:find(end_tag, 1, true) then
    return content
  end
  if not ns or ns == "" then
    for _, tag in ipairs({ begin_tag, end_tag }) do
      -- Unity's regex ((\r\n)|\n)?[ \t]*TAG[ \t]*, every occurrence.
      content = content:gsub("\r?\n?[ \t]*" .. tag .. "[ \t]*", "")
    end
    return content
  end
  local newline = content:find("\r\n", 1, true) and "\r\n" or "\n"
  local lines = vim.split(content:gsub("\r\n", "\n"):gsub("\r", "\n"), "\n", { plain = true })
  local i = 1
  while i <= #lines and not lines[i]:find(begin_tag, 1, true) do
    i = i + 1
  end
  local indent = lines[i]:match("^(.-)#") or ""
  lines[i] = "namespace " .. ns
  table.insert(lines, i + 1, "{")
  i = i + 2
  while i <= #lines do
    local line = lines[i]
    if vim.trim(line) ~= "" then
      if line:find(end_tag, 1, true) then
        lines[i] = "}"
        break
      end
      lines[i] = indent .. line
    end
    i = i + 1
  end
  return table.concat(lines, newline)
end

--- A template's text filled for the script `rel` of `root`, as Unity fills it.
---@param template string
---@param root string
---@param rel string
---@return string
function M.fill(template, root, rel)
  local ns = M.root_namespace(root, rel)
  local content = template:gsub("#NOTRIM#", "")
  local base = vim.fs.basename(rel):gsub("%.[^.]*$", "")
  local nospaces = base:gsub(" ", "")
  content = content:gsub("#NAME#", (base:gsub("%%", "%%%%"))):gsub("#SCRIPTNAME#", (nospaces:gsub("%%", "%%%%")))
  content = namespace(content, ns)
  local first = nospaces:sub(1, 1)
  local lower = first:match("%u") and (first:lower() .. nospaces:sub(2)) or ("my" .. first:upper() .. nospaces:sub(2))
  return (content:gsub("#SCRIPTNAME_LOWER#", (lower:gsub("%%", "%%%%"))))
end

--- Where `name` goes: a bare name in the current file's folder when it is an asset folder,
--- else in Assets/; a path relative to the current directory. ".cs" added when missing.
---@param name string
---@return string
local function target(name)
  if not name:match("%.cs$") then
    name = name .. ".cs"
  end
  if name:find("/") then
    return vim.fn.fnamemodify(name, ":p")
  end
  local here = vim.api.nvim_buf_get_name(0)
  local root = project.find(here ~= "" and vim.fs.dirname(here) or nil)
  local dir = here ~= "" and vim.fs.dirname(here) or nil
  local rel = root and dir and paths.inside(root, dir)
  if rel and (rel == "Assets" or vim.startswith(rel, "Assets/")) then
    return dir .. "/" .. name
  end
  return (root or vim.uv.cwd() or ".") .. "/Assets/" .. name
end

--- Creates the script `name` from `template` (default: MonoBehaviour) and opens it at the
--- place to type (the first `#NOTRIM#` of the template). Unity refreshes to import it.
---@param template? string
---@param name string
---@return string|nil path, unity.Failure|nil failure
function M.new(template, name)
  local path = vim.fs.normalize(target(name))
  local root = project.find(vim.fs.dirname(path))
  if not root then
    return nil, { kind = "asset_outside", path = path }
  end
  local templates, default = M.templates(root)
  template = template or default
  local source = templates[template]
  if not source then
    return nil, { kind = "asset_template", name = template, detail = table.concat(vim.tbl_keys(templates), ", ") }
  end
  if vim.uv.fs_lstat(path) or vim.uv.fs_lstat(path .. ".meta") then
    return nil, { kind = "asset_exists", path = vim.uv.fs_lstat(path) and path or path .. ".meta" }
  end
  local rel = path:sub(#root + 2)
  local lines_in = type(source) == "table" and source or vim.fn.readfile(source --[[@as string]], "b")
  local text = table.concat(lines_in, "\n")
  local filled = M.fill(text, root, rel)
  local lines = vim.split(filled, "\r?\n")
  -- The place to type: the line of the first #NOTRIM#, found again after the filling.
  local at = #lines
  local marked = vim.split(M.fill(text:gsub("#NOTRIM#", "\1"), root, rel), "\r?\n")
  for i, l in ipairs(marked) do
    if l:find("\1", 1, true) then
      at = i
      break
    end
  end
  vim.fn.mkdir(vim.fs.dirname(path), "p")
  if vim.fn.writefile(lines, path, "b") ~= 0 then
    return nil, { kind = "asset_fs", path = path }
  end
  vim.cmd.edit(vim.fn.fnameescape(path))
  vim.api.nvim_win_set_cursor(0, { math.min(at, vim.api.nvim_buf_line_count(0)), #(lines[at] or "") })
  local client = require("unity.client")
  if client.status().connected then
    client.send("refresh")
  end
  messages.notify(messages.created(path, template))
  return path
end

return M
