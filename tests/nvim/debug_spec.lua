-- Debugging through nvim-dap against the stand-in editor (the real package under Mono, its soft
-- debugger agent listening where Unity's would): the configuration provider offers the live
-- endpoint; an attach with it reaches the agent (tests/dap/adapter.py, a minimal adapter that
-- does Mono's handshake); :UnityDebug in Release switches to Debug, waits for the recompile and
-- reload, then starts the attach. nvim-dap is a stand-in of ours (tests/dap/README.md) put on
-- the runtimepath here only; without it nothing errors.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local unity = require("unity")

--- tests/dap/adapter.py as nvim-dap's executable adapter `unity`, recording into `record`.
local function adapter(record)
  return { type = "executable", command = "python3", args = { T.root .. "/tests/dap/adapter.py", record } }
end

--- A project with one script, the stand-in editor on it (with `env`), connected, its first
--- state read; nvim-dap's stand-in loaded afresh with the adapter named "unity". `at_hello`
--- runs as Unity's first hello arrives (UnityConnected), before its state is read.
---@return string dir, table dap, string record  where the adapter records its attaches
local function debuggable(env, at_hello)
  local dir = T.project()
  vim.fn.writefile({ "public class Enemy { }" }, dir .. "/Assets/Scripts/Enemy.cs")
  vim.opt.rtp:append(T.root .. "/tests/dap")
  package.loaded.dap = nil
  local dap = require("dap")
  local record = vim.fn.tempname()
  dap.adapters.unity = adapter(record)
  T.start_host(dir, env)
  T.clear_notes()
  if at_hello then
    vim.api.nvim_create_autocmd("User", { pattern = "UnityConnected", once = true, callback = at_hello })
  end
  local states = T.record("UnityState")
  T.connect(dir)
  T.wait_for(function()
    return #states > 0
  end, "Unity's first state")
  T.defer(function()
    dap.close()
    vim.fn.delete(record)
    vim.opt.rtp:remove(T.root .. "/tests/dap")
    package.loaded.dap = nil
    unity.setup({})
    vim.cmd("silent! %bwipeout!")
  end)
  return dir, dap, record
end

--- Waits for the adapter's answer to run `i`'s attach; returns it and what the adapter
--- recorded: the attach arguments it got and the agent's answer to its handshake.
---@return table response, table recorded
local function attached(dap, record, i)
  T.wait_for(function()
    local s = dap.runs[i] and dap.runs[i].session
    return s and (s.responses.attach or s.exit)
  end, "the adapter's answer to the attach", 30000)
  local s = dap.runs[i].session
  T.truthy(s.responses.attach, "the adapter answered; it ended with: " .. vim.inspect(s.exit))
  return s.responses.attach, vim.json.decode(vim.fn.readfile(record)[i])
end

--- :checkhealth unity's text.
local function health()
  vim.cmd("silent checkhealth unity")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("bwipeout!")
  return text
end

--- The provider's configurations for a buffer, called in a coroutine as nvim-dap calls it.
local function provided(dap, bufnr)
  local result
  coroutine.wrap(function()
    result = dap.providers.configs.unity(bufnr)
  end)()
  return result
end

T.test("the provider offers the live endpoint for the project's C# buffers; it reaches the agent", function()
  local dir, dap, record = debuggable()
  local pid = unity.status().pid
  T.truthy(dap.providers.configs.unity, "the provider is registered once Unity is connected")
  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  vim.bo.filetype = "cs"
  local configs = provided(dap, vim.api.nvim_get_current_buf())
  T.eq({
    {
      type = "unity",
      request = "attach",
      name = "Unity Editor (attach)",
      address = "127.0.0.1",
      port = 56000 + pid % 1000,
      debugPort = 56000 + pid % 1000,
      cwd = dir,
    },
  }, configs, "the attach configuration")
  dap.run(configs[1])
  local response, recorded = attached(dap, record, 1)
  T.eq(true, response.success, "the adapter attached: " .. tostring(response.message))
  T.eq(configs[1].port, recorded.arguments.port, "the adapter got the port")
  T.eq("DWP-Handshake", recorded.agent, "Mono's agent answered the adapter there")
  T.contains(
    health(),
    string.format(
      "OK debugger endpoint 127.0.0.1:%d, Editor Attaching on, code optimization release",
      56000 + pid % 1000
    ),
    ":checkhealth shows the endpoint"
  )
  vim.cmd.edit(vim.fn.tempname() .. ".cs")
  vim.bo.filetype = "cs"
  T.eq({}, provided(dap, vim.api.nvim_get_current_buf()), "nothing for a C# file outside the project")
end)

--- The project's Enemy.cs, open as a C# buffer.
local function enemy_buffer(dir)
  vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
  vim.bo.filetype = "cs"
  return vim.api.nvim_get_current_buf()
end

--- A development player's announcement, as Unity's manual shows it (Troubleshoot the debugger).
local function announcement(fields)
  return string.format(
    'Multi-casting "[IP] %s [Port] 55000 [Flags] 3 [Guid] %s [EditorId] 4264788666 [Version] 1048832 '
      .. '[Id] %s [Debug] %d [PackageName] %s" to [225.0.0.222:54997]...',
    fields.ip,
    fields.guid,
    fields.id,
    fields.debug or 1,
    fields.package or "LinuxPlayer"
  )
end

--- The configuration offered for a player.
local function player(dir, id, address, port)
  return {
    type = "unity",
    request = "attach",
    name = "Unity Player " .. id .. " (attach)",
    address = address,
    port = port,
    debugPort = port,
    cwd = dir,
  }
end

T.test("a development player announced in Unity's log is offered beside the editor", function()
  local dir, dap = debuggable()
  local buf = enemy_buffer(dir)
  T.eq(1, #provided(dap, buf), "the editor only, before a player announces itself")
  local book = require("unity.log").book()
  -- The manual's example: the port follows the [Id].
  T.call("host.log", {
    message = announcement({
      ip = "10.0.1.152",
      guid = "2575380029",
      id = "iPhonePlayer(Example-iPhone):56000",
      package = "iPhonePlayer",
    }),
  })
  T.wait_for(function()
    return book:newest("[Guid] 2575380029")
  end, "the announcement in the history")
  local configs = provided(dap, buf)
  T.eq("Unity Editor (attach)", configs[1].name, "the editor first")
  T.eq(
    player(dir, "iPhonePlayer(Example-iPhone)", "10.0.1.152", 56000),
    configs[2],
    "the player at the address and port it announced"
  )
  -- A newer player with Script Debugging off accepts no debugger.
  T.call("host.log", { message = announcement({ ip = "10.0.1.153", guid = "7", id = "LinuxPlayer", debug = 0 }) })
  T.wait_for(function()
    return book:newest("[Guid] 7 ")
  end, "the second announcement in the history")
  T.eq(1, #provided(dap, buf), "no player offered once the newest allows no debugger")
end)

T.test("a development player announced in this project's Player.log is offered", function()
  local dir, dap = debuggable()
  local home, saved = vim.fn.tempname(), vim.env.HOME
  vim.env.HOME = home
  T.defer(function()
    vim.env.HOME = saved
    vim.fn.delete(home, "rf")
  end)
  vim.fn.writefile(
    { "PlayerSettings:", "  companyName: Acme", "  productName: 'Space: Game'" },
    dir .. "/ProjectSettings/ProjectSettings.asset"
  )
  local folder = home .. "/.config/unity3d/Acme/Space: Game"
  vim.fn.mkdir(folder, "p")
  local function player_log(debug)
    vim.fn.writefile({
      "PlayerConnection initialized from /opt/game/Game_Data (debug = 0)",
      "PlayerConnection initialized network socket : 0.0.0.0 55162",
      announcement({ ip = "192.168.1.103", guid = "1790099615", id = "LinuxPlayer(192.168.1.103)", debug = debug }),
      "Waiting for connection from host on [192.168.1.103:55162]...",
    }, folder .. "/Player.log")
  end
  player_log(1)
  local configs = provided(dap, enemy_buffer(dir))
  T.eq(
    player(dir, "LinuxPlayer(192.168.1.103)", "192.168.1.103", 56615),
    configs[2],
    "no port after the [Id]: 56000 + [Guid] % 1000"
  )
  player_log(0)
  T.eq(1, #provided(dap, enemy_buffer(dir)), "Script Debugging off: no player")
end)

T.test(":UnityDebug in Release switches to Debug, waits for the reload, then attaches", function()
  local _, dap, record = debuggable()
  T.eq("release", unity.status().optimization, "Unity starts in Release")
  local seen = {}
  -- The compile's result may come before the reload or be sent again after it: not recorded.
  for _, pattern in ipairs({ "UnityBye", "UnityConnected" }) do
    vim.api.nvim_create_autocmd("User", {
      pattern = pattern,
      callback = function()
        seen[#seen + 1] = pattern .. " (runs so far: " .. #dap.runs .. ")"
      end,
    })
  end
  vim.cmd("UnityDebug")
  T.wait_for(function()
    return #dap.runs > 0
  end, "dap.run", 60000)
  T.truthy(T.noted("switches to Debug code optimization"), "said that Unity recompiles")
  T.eq({ "UnityBye (runs so far: 0)", "UnityConnected (runs so far: 0)" }, seen, "attached after the reload")
  T.eq("debug", unity.status().optimization, "Unity is in Debug")
  T.eq(require("unity.debug").configuration(), dap.runs[1].config, "dap.run got the attach configuration")
  T.eq(1, #dap.runs, "attached once")
  T.eq(false, require("unity.debug").waiting(), "the wait ended")
  local response, recorded = attached(dap, record, 1)
  T.eq(true, response.success, "the adapter attached: " .. tostring(response.message))
  T.eq("DWP-Handshake", recorded.agent, "the agent answers after the reload")
end)

T.test(":UnityDebug in Debug attaches at once", function()
  local _, dap = debuggable({ UNITY_HOST_PREF_ScriptDebugInfoEnabled = "1" })
  T.eq("debug", unity.status().optimization, "Unity starts in Debug")
  local bye = T.record("UnityBye")
  vim.cmd("UnityDebug")
  T.wait_for(function()
    return #dap.runs > 0
  end, "dap.run")
  T.eq(56000 + unity.status().pid % 1000, dap.runs[1].config.port, "at the live port")
  T.eq({}, bye, "no recompile, no reload")
  T.eq(nil, T.noted("switches to Debug code optimization"), "no switch announced")
end)

T.test(":UnityDebug as a Release editor connects, before its state, still switches to Debug", function()
  -- Neovim was connected to an editor in Debug; the one it connects to next is in Release.
  debuggable({ UNITY_HOST_PREF_ScriptDebugInfoEnabled = "1" })
  T.eq("debug", unity.status().optimization, "the first editor is in Debug")
  local seen = "not asked"
  local bye = T.record("UnityBye")
  local _, dap, record = debuggable(nil, function()
    seen = unity.status().optimization
    vim.cmd("UnityDebug")
  end)
  T.eq(nil, seen, "at hello the first editor's optimization is forgotten, the new one's not known")
  T.wait_for(function()
    return #dap.runs > 0
  end, "dap.run", 60000)
  T.eq({ { reason = "reload" } }, bye, "attached after the Debug recompile's reload")
  T.eq("debug", unity.status().optimization, "Unity is in Debug")
  T.truthy(T.noted("switches to Debug code optimization"), "said that Unity recompiles")
  local response = attached(dap, record, 1)
  T.eq(true, response.success, "the adapter attached: " .. tostring(response.message))
end)

T.test(":UnityDebug names a missing adapter and Editor Attaching turned off", function()
  local _, dap, record = debuggable({ UNITY_HOST_PREF_AllowAttachedDebuggingOfEditor = "0" })
  dap.adapters.unity = nil
  vim.cmd("UnityDebug")
  T.truthy(T.noted('no adapter named "unity" (option debug_adapter)'), "the adapter is named")
  dap.adapters.unity = adapter(record)
  vim.cmd("UnityDebug")
  T.truthy(T.noted("Editor Attaching"), "the preference is named")
  T.contains(health(), "WARNING Unity's debugger is off", ":checkhealth warns")
  T.eq(0, #dap.runs, "nothing started")
end)

T.test("without nvim-dap nothing errors and :UnityDebug says what to install", function()
  local res = T.child({
    "local said = {}",
    "vim.notify = function(msg) said[#said + 1] = msg end",
    "vim.api.nvim_exec_autocmds('User', { pattern = 'UnityConnected', data = { reconnect = false } })",
    "vim.cmd('UnityDebug')",
    "io.stdout:write(table.concat(said, '\\n'))",
  }, 20000)
  T.eq(0, res.code, "no error: " .. (res.stderr or ""))
  T.contains(res.stdout, "nvim-dap is not installed", "said what to install")
end)

T.run()
