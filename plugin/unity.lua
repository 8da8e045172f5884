-- unity.nvim: commands and <Plug> mappings only; modules load on first use.
if vim.g.loaded_unity then
  return
end
vim.g.loaded_unity = true

--- A function of the public API (`require("unity")`) or of one of its modules, loaded on call,
--- with `arg` if given. The wiring comes first: any of them may connect.
local function call(module, fn, arg)
  return function()
    require("unity.wiring")
    require(module)[fn](arg)
  end
end

for name, c in pairs({
  UnityLog = { call("unity", "open_log"), "Open Unity's console log" },
  UnityCompile = { call("unity", "compile"), "Refresh assets and compile scripts in Unity" },
  UnityPlay = {
    function(a)
      require("unity").play(a.bang)
    end,
    "Save, refresh, wait for the compile and enter play mode in Unity (!: enter at once)",
    { bang = true },
  },
  UnityStop = { call("unity", "stop"), "Leave play mode in Unity" },
  UnityPause = { call("unity", "pause"), "Toggle pause in Unity" },
  UnityStep = { call("unity", "step"), "Advance Unity by one frame" },
  UnityBuild = { call("unity.install", "command"), "Install the native module: download this release's, else build it" },
  UnityDisconnect = { call("unity", "disconnect"), "Disconnect from Unity" },
  UnityMessages = { call("unity.messages", "show_all"), "Show unity.nvim's messages of this session in full" },
  UnityQuickfix = {
    call("unity.log", "to_quickfix"),
    "Log entries passing the log window's filter (errors when unfiltered) to the quickfix list",
  },
  UnityClear = {
    call("unity.runtime", "clear"),
    "Forget the runtime exceptions shown at their source lines",
  },
  UnitySyncProjects = {
    call("unity.projects", "sync"),
    "Ask Unity to write the .sln and .csproj files a C# language server reads",
  },
  UnityDebug = {
    call("unity.debug", "start"),
    "Attach nvim-dap to the Unity editor, switching Unity to Debug code optimization first",
  },
}) do
  vim.api.nvim_create_user_command(name, c[1], vim.tbl_extend("force", { desc = c[2] }, c[3] or {}))
end
-- Tests: [edit|play] first; :UnityTest then takes a regular expression on full names.
local function modes()
  return { "edit", "play" }
end
for name, c in pairs({
  UnityTest = { "command", "*", "Run Unity's tests: [edit|play] [regular expression on full names]" },
  UnityTestFile = { "file", "?", "Run the Unity tests of the current file [edit|play]" },
  UnityTestNearest = { "nearest", "?", "Run the Unity test under the cursor [edit|play]" },
  UnityTestLast = { "last", 0, "Run the last Unity tests again" },
}) do
  vim.api.nvim_create_user_command(name, function(a)
    require("unity.wiring")
    local run = require("unity.test")[c[1]] --[[@as fun(mode?: string, filter?: string)]]
    run(a.fargs[1], table.concat(vim.list_slice(a.fargs, 2), " "))
  end, { nargs = c[2], complete = c[2] ~= 0 and modes or nil, desc = c[3] })
end
vim.api.nvim_create_user_command("UnityConnect", function(a)
  require("unity").connect(a.args ~= "" and a.args or nil, a.bang)
end, { nargs = "?", bang = true, complete = "dir", desc = "Connect to the Unity project at or above [dir]" })

-- Assets with their .meta: a refusal is said by the module, with what to do.
local function asset(fn)
  return function(a)
    local assets = require("unity.assets")
    assets.say(fn(assets, a.fargs))
  end
end
for name, c in pairs({
  UnityRename = {
    function(assets, args)
      return assets.rename(args[1])
    end,
    1,
    "Rename the current file and its .meta ({name} or a path relative to its folder)",
  },
  UnityMove = {
    function(assets, args)
      if #args ~= 2 then
        return nil, { kind = "asset_args", name = "UnityMove" }
      end
      return assets.move(args[1], args[2])
    end,
    "+",
    "Move a Unity asset (file or folder) with its .meta: {from} {to}",
  },
  UnityDelete = {
    function(assets, args)
      return assets.delete(args[1])
    end,
    "?",
    "Delete a Unity asset and its .meta, after asking ([path], default the current file)",
  },
}) do
  vim.api.nvim_create_user_command(name, asset(c[1]), { nargs = c[2], complete = "file", desc = c[3] })
end
vim.api.nvim_create_user_command("UnityNew", function(a)
  local new = require("unity.assets.new")
  local args = a.fargs
  require("unity.assets").say(new.new(args[2] and args[1] or nil, args[2] or args[1]))
end, {
  nargs = "+",
  complete = function(_, line)
    if #vim.split(line, "%s+", { trimempty = true }) > 2 then
      return {}
    end
    local root = require("unity.project").find()
    return root and vim.tbl_keys(require("unity.assets.new").templates(root)) or {}
  end,
  desc = "A new script from Unity's script templates: [template] {name}",
})

vim.api.nvim_create_user_command("UnityPick", function(a)
  require("unity.wiring")
  require("unity.pick").pick(a.args)
end, {
  nargs = 1,
  complete = function()
    return require("unity.pick").names()
  end,
  desc = "Pick a log entry, compile error, runtime exception or test and go to its source",
})

for name, fn in pairs({
  compile = call("unity", "compile"),
  log = call("unity", "toggle_log"),
  play = call("unity", "play"),
  ["play-now"] = call("unity", "play", true),
  stop = call("unity", "stop"),
  pause = call("unity", "pause"),
  step = call("unity", "step"),
  ["sync-projects"] = call("unity.projects", "sync"),
  clear = call("unity.runtime", "clear"),
  ["pick-exceptions"] = call("unity.pick", "pick", "exceptions"),
  ["pick-errors"] = call("unity.pick", "pick", "errors"),
  ["pick-logs"] = call("unity.pick", "pick", "logs"),
  test = call("unity", "test"),
  ["test-file"] = call("unity.test", "file"),
  ["test-nearest"] = call("unity.test", "nearest"),
  ["test-last"] = call("unity.test", "last"),
  rename = call("unity.assets", "ask_rename"),
  delete = call("unity.assets", "ask_delete"),
}) do
  vim.keymap.set("n", "<Plug>(unity-" .. name .. ")", fn, { desc = "unity.nvim: " .. name:gsub("-", " ") })
end

-- File explorers move .meta files with their assets: a language server in Neovim hears of
-- their renames in every Unity project worked in (lua/unity/assets/explorers.lua).
local function watch(a)
  require("unity.assets.explorers").watch(a and a.buf)
end
vim.api.nvim_create_autocmd({ "BufReadPost", "BufNewFile", "DirChanged" }, {
  group = vim.api.nvim_create_augroup("unity.assets", {}),
  callback = watch,
})

-- Connect on start-up when Neovim opens inside a Unity project (a cheap upward file search);
-- lazy-loaded after start-up (lazy.nvim's `ft`, `cmd`, `keys`), connect as it loads.
local function auto_connect()
  if require("unity.config").options.auto_connect and require("unity.project").find() then
    require("unity.wiring")
    require("unity.client").connect() -- quietly: a failure shows on the first command
  end
end
local function started()
  auto_connect()
  watch()
end
if vim.v.vim_did_enter == 1 then
  vim.schedule(started)
else
  vim.api.nvim_create_autocmd("VimEnter", { once = true, callback = vim.schedule_wrap(started) })
end
