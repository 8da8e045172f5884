-- The Unity package's Windows side against the plugin's, under wine: the stand-in host runs the
-- real package (built with UNITY_EDITOR_WIN) on .NET Core, so its named pipes (PipeEnd over
-- kernel32) meet Windows nvim.exe with lua/unity_native.dll. .NET Core has no AppDomains: the
-- host runs one script domain, and a reload ends it after beforeAssemblyReload (host/Program.cs).
-- Nor is there a C# compiler under wine (the host's is mcs), so these projects hold no script.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h") .. "/helpers.lua")
local unity = require("unity")

-- The console on the host's stderr, so that a warning of the bridge's shows in its output.
local ENV = { UNITY_HOST_EDITOR_LOG = "1" }

--- The reason of the next UnityDisconnected.
local function next_disconnect()
  local reason
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityDisconnected",
    once = true,
    callback = function(a)
      reason = a.data.reason
    end,
  })
  return function()
    return T.wait_for(function()
      return reason
    end, "UnityDisconnected")
  end
end

--- No bridge thread outlived its bounded join (the bridge warns on the console if one did).
local function no_thread_stuck(output)
  T.eq(nil, output():find("did not stop in time", 1, true), "every bridge thread stopped in time:\n" .. output())
end

--- The host's end: it exits by itself, cleanly, and no bridge thread was left behind.
local function ended_cleanly(proc, output)
  local res = proc:wait(20000)
  T.eq(0, res.code, "the host's exit code; its output:\n" .. output())
  no_thread_stuck(output)
end

T.test("the package's pipes: Neovim checks their server, logs arrive in order, commands are answered", function()
  local dir = T.project()
  T.start_host(dir, ENV)
  local s = T.session(dir)
  T.truthy(s.pipes["unity-to-nvim"]:find("^\\\\%.\\pipe\\"), "a named pipe: " .. s.pipes["unity-to-nvim"])
  T.connect(dir)
  T.eq(s.pid, unity.status().pid, "connected to the editor session.json names")

  T.eq(300, T.call("host.log", { count = 300, level = "warning", message = "from the package" }).result)
  local seen = T.numbered_logs("WARN from the package t0#(%d+)$", 300)
  for i = 1, 300 do
    T.eq(i - 1, seen[i], "line order")
  end
  T.eq(0, unity.status().lost, "lost")

  -- Play mode without a domain reload (Enter Play Mode Options), so that this domain stays.
  T.eq(true, T.call("host.playmodeoptions", { reload = false }).ok, "play mode options")
  T.call("play")
  T.wait_for(function()
    return unity.status().playing
  end, "playing, as Unity's state event says")
  T.call("stop")
  T.wait_for(function()
    return not unity.status().playing
  end, "stopped")
  local failed = T.call("host.throw")
  T.eq(false, failed.ok, "a throwing command fails")
  T.contains(failed.error, "host.throw failed on purpose", "with its exception's message")
end)

T.test("Neovim leaves and comes back, twice: the package lets each client go and takes the next", function()
  local dir = T.project()
  local _, output = T.start_host(dir, ENV)
  T.connect(dir)
  for round = 1, 2 do
    unity.disconnect()
    T.eq(false, unity.status().connected, "round " .. round .. ": disconnected")
    T.connect(dir)
    T.eq(1, T.call("host.log", { message = "round " .. round }).result, "round " .. round .. ": a command")
    T.wait_for(function()
      return vim.tbl_contains(T.log_lines(), function(l)
        return l:find("round " .. round .. " t0#0", 1, true) ~= nil
      end, { predicate = true })
    end, "round " .. round .. ": its log line")
  end
  no_thread_stuck(output)
end)

T.test("an import worker and a secondary process beside the editor leave its pipes alone", function()
  local dir = T.project()
  T.start_host(dir, ENV)
  T.connect(dir)
  local before = T.session(dir)
  local disconnects = 0
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityDisconnected",
    callback = function()
      disconnects = disconnects + 1
    end,
  })
  for _, env in ipairs({ { UNITY_HOST_WORKER = "1" }, { UNITY_HOST_SECONDARY = "1" } }) do
    local other, output = T.start_host(dir, vim.tbl_extend("force", ENV, env))
    T.wait_for(function()
      return output():find("domain 1 up", 1, true)
    end, vim.inspect(env) .. ": its [InitializeOnLoad] ran")
    other:write("quit\n")
    ended_cleanly(other, output)
    T.eq(before, T.session(dir), "session.json kept")
    T.eq(true, T.call("state").ok, vim.inspect(env) .. ": the editor still answers")
  end
  T.eq(0, disconnects, "the editor's connection never dropped")
end)

T.test("Unity opens a file in the connected Neovim, at its line, by its Windows path", function()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/Shaders")
  local shader = dir .. "/Assets/Shaders/Water.shader"
  local lines = {}
  for i = 1, 10 do
    lines[i] = "// line " .. i
  end
  vim.fn.writefile(lines, shader)
  T.start_host(
    dir,
    vim.tbl_extend("force", ENV, {
      UNITY_HOST_PREF_kScriptsDefaultApp = [[C:\Program Files\Neovim\bin\nvim.exe]],
    })
  )
  T.connect(dir)
  T.eq(true, T.call("host.open", { file = "Assets/Shaders/Water.shader", line = 7, col = 3 }).result, "OpenProject")
  T.wait_for(function()
    return vim.fs.normalize(vim.api.nvim_buf_get_name(0)):lower() == vim.fs.normalize(shader):lower()
  end, "Water.shader opened")
  T.eq(7, vim.fn.line("."), "at its line")
  vim.cmd("bwipeout!")
end)

T.test("no Neovim connected: Unity starts the Neovim GUI itself, its arguments whole, no shell between", function()
  -- A double-click on a file whose name cmd.exe would read as commands and variables.
  local dir = T.project()
  local name = "Water & 100%PATH% 'x' ^ (1).shader"
  vim.fn.mkdir(dir .. "/Assets/My Shaders")
  vim.fn.writefile({ "// a shader" }, dir .. "/Assets/My Shaders/" .. name)
  local out = vim.fn.tempname()
  local gui = assert(os.getenv("UNITY_GUI_STANDIN"), "UNITY_GUI_STANDIN: tests/windows/run.sh sets it")
  local proc, output =
    T.start_host(dir, vim.tbl_extend("force", ENV, { UNITY_HOST_PREF_kScriptsDefaultApp = gui, ARGV_OUT = out }))
  proc:write("open 12 5 Assets/My Shaders/" .. name .. "\n")
  T.wait_for(function()
    return vim.uv.fs_stat(out)
  end, "the GUI started, and its arguments; the host said:\n" .. output())
  local argv = vim.fn.readfile(out)
  local function same_file(a, b)
    return vim.fs.normalize(a):lower() == vim.fs.normalize(b):lower()
  end
  T.eq(4, #argv, "four words: " .. vim.inspect(argv))
  T.truthy(same_file(gui, argv[1]), "the GUI itself: " .. argv[1])
  T.eq({ "--", "+call setcursorcharpos(12,5)" }, { argv[2], argv[3] }, "Neovim's words after --")
  T.truthy(same_file(dir .. "/Assets/My Shaders/" .. name, argv[4]), "the file, whole: " .. argv[4])
  T.contains(argv[4], "\\", "by its Windows path")
  T.contains(output(), "opened by the code editor", "OpenProject took it")
end)

--- Unity leaves by `act(host)`: Neovim hears a bye with `reason`, and the host ends cleanly.
local function leaves(act, reason)
  local dir = T.project()
  local proc, output = T.start_host(dir, ENV)
  T.connect(dir)
  local disconnected = next_disconnect()
  act(proc)
  T.eq(reason, disconnected(), "the bye's reason")
  ended_cleanly(proc, output)
  T.eq(false, unity.status().connected, "not connected")
  return dir, output
end

T.test("Unity quits: bye 'quit', the pipes close, session.json goes, the bridge's threads end", function()
  local dir, output = leaves(function(proc)
    proc:write("quit\n")
  end, "quit")
  T.contains(output(), "quit after 1 domain(s)", "quit as Unity does")
  T.eq(nil, vim.uv.fs_stat(dir .. "/Temp/NeovimBridge/session.json"), "session.json removed")
end)

T.test("a script reload: beforeAssemblyReload says bye 'reload' and closes the pipes in time", function()
  local _, output = leaves(function()
    T.eq(true, T.call("host.reload").result, "reload requested")
  end, "reload")
  T.contains(output(), "domain 1: beforeAssemblyReload took", "the reload's order: beforeAssemblyReload ran")
  T.contains(output(), "domain 1 ended for a reload", "and the domain ended")
end)

T.run()
