-- The real Unity package, running in the stand-in editor under Mono, against the real module in
-- real headless Neovim. UNITY_HOST_TEST=1 makes the host fail (exit) if a reload leaves a
-- bridge thread or FIFO descriptor behind.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local unity = require("unity")
local log = require("unity.log")

local start_host = T.start_host

local function lines_matching(pattern)
  local out = {}
  for _, l in ipairs(T.log_lines()) do
    local m = l:match(pattern)
    if m then
      out[#out + 1] = m
    end
  end
  return out
end

--- Counts the log entries delivered and the range of seq they cover.
local function ledger()
  local l = { delivered = 0, first = math.huge, last = 0 }
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityLog",
    callback = function(a)
      for _, e in ipairs(a.data) do
        l.delivered = l.delivered + 1
        l.first, l.last = math.min(l.first, e.seq), math.max(l.last, e.seq)
      end
    end,
  })
  return l
end

local function connect(dir)
  T.connect(dir)
  log.buf()
end

T.test("logs: backlog first (the newest 1000), then live, in order", function()
  local dir = T.project()
  start_host(dir)
  connect(dir)
  -- Log while no Neovim reads: the package keeps the newest 1000.
  T.truthy(unity.send("host.log", { count = 1500, threads = 1, interval_ms = 1, message = "pre" }))
  require("unity.client").disconnect()
  vim.wait(2500)
  connect(dir)
  T.call("host.join", { timeout_ms = 10000 })
  T.call("host.log", { count = 5, message = "live" })
  local pre = T.wait_for(function()
    local got = lines_matching("LOG  pre t1#(%d+)$")
    return #lines_matching("LOG  live t0#(%d+)$") == 5 and got
  end, "the backlog and the live logs", 20000)
  T.truthy(#pre >= 1000 and #pre <= 1500, "backlog kept: " .. #pre)
  for i = 2, #pre do
    T.eq(tonumber(pre[i - 1]) + 1, tonumber(pre[i]), "backlog in order")
  end
  T.eq("1499", pre[#pre], "the newest of the backlog")
  local text = table.concat(T.log_lines(), "\n")
  T.truthy(text:find("pre t1#1499", 1, true) < text:find("live t0#0", 1, true), "backlog before live")
end)

T.test(":UnityCompile with the real compiler: errors to quickfix, fixed, reload, reconnect", function()
  local dir = T.project()
  local broken = dir .. "/Assets/Scripts/Broken.cs"
  vim.fn.writefile({ "public class Broken {", '  public int X() { return "text"; }', "}" }, broken)
  start_host(dir)
  connect(dir)
  local events = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = { "UnityCompileStarted", "UnityCompileFinished", "UnityConnected", "UnityDisconnected" },
    callback = function(a)
      events[#events + 1] = a.match
    end,
  })
  vim.cmd("UnityCompile")
  local qf = T.wait_for(function()
    local l = vim.fn.getqflist({ title = 0, items = 0 })
    return l.title == "Unity compile" and #l.items > 0 and l
  end, "compile errors from mcs", 60000)
  T.eq(2, qf.items[1].lnum, "line")
  T.eq(broken, vim.api.nvim_buf_get_name(qf.items[1].bufnr), "file")
  T.contains(qf.items[1].text, "CS0029", "the compiler's code")
  T.truthy(not qf.items[1].text:find("Broken.cs(", 1, true), "the location is not repeated in the text")
  T.eq("UnityCompileStarted", events[1], "started first")
  T.eq(1, unity.status().errors)

  vim.fn.writefile({ "public class Broken {", "  public int X() { return 1; }", "}" }, broken)
  local seen = #events
  vim.cmd("UnityCompile")
  T.wait_for(function()
    return #vim.fn.getqflist() == 0
      and unity.status().connected
      and vim.list_contains(vim.list_slice(events, seen + 1), "UnityConnected")
  end, "a clean compile, then the reload and the reconnection", 60000)
  T.eq(0, unity.status().errors)
  T.eq(true, T.call("state").ok, "commands work after the reload")
end)

T.test("entering play mode reloads scripts: Neovim reconnects, playing, compile errors kept", function()
  local dir = T.project()
  local broken = dir .. "/Assets/Scripts/Broken.cs"
  vim.fn.writefile({ "public class Broken {", '  public int X() { return "text"; }', "}" }, broken)
  vim.fn.writefile({ "public class Tool { }" }, dir .. "/Assets/Tool.cs")
  start_host(dir)
  connect(dir)
  local connects = T.counter("UnityConnected")
  vim.cmd("UnityCompile")
  T.wait_for(function()
    return unity.status().errors == 1 and #vim.fn.getqflist() == 1
  end, "the compile error", 60000)
  -- An editor tool builds an assembly without errors: not the editor's compile, so not reported,
  -- and not re-sent after the reload of entering play mode.
  T.eq(
    true,
    T.call("host.assemblybuilder", { scripts = { "Assets/Tool.cs" }, output = "Library/Tools/Tool.dll" }).result
  )
  T.wait_for(function()
    return #lines_matching("LOG  (assembly built: 0 messages)$") == 1
  end, "the AssemblyBuilder build", 60000)
  T.eq(true, T.call("play").ok)
  T.wait_for(function()
    return connects() >= 1 and unity.status().playing
  end, "the reconnection after the reload into play mode", 30000)
  T.eq(true, T.call("state").result.playing, "playing after the reload")
  T.eq(1, unity.status().errors, "the compile error is still known")
  T.eq(1, #vim.fn.getqflist(), "quickfix kept")
  vim.cmd.edit(vim.fn.fnameescape(broken))
  T.eq(1, #vim.diagnostic.get(0), "the diagnostic kept")
end)

T.test("play, pause, step, stop and state; registered commands; a throwing handler", function()
  local dir = T.project()
  start_host(dir)
  connect(dir)
  local r = T.call("play")
  T.eq(true, r.ok)
  T.wait_for(function()
    return unity.status().playing
  end, "playing")
  r = T.call("pause")
  T.eq(true, r.ok)
  T.wait_for(function()
    return unity.status().paused
  end, "paused")
  T.eq(true, T.call("step").ok)
  r = T.call("stop")
  T.eq(true, r.ok)
  T.wait_for(function()
    return not unity.status().playing
  end, "stopped")
  r = T.call("state")
  T.eq(false, r.result.playing, "state result")
  r = T.call("host.ticks")
  T.eq(true, r.ok)
  T.truthy(r.result.ticks > 0, "a registered command's result")
  r = T.call("host.throw")
  T.eq(false, r.ok)
  T.contains(r.error, "host.throw failed on purpose", "the exception's message")
  r = T.call("no.such")
  T.contains(r.error, "no command named 'no.such' is registered in Unity")
end)

T.test("a domain reload while logs stream: reconnects, every message delivered or counted", function()
  local dir = T.project()
  start_host(dir)
  connect(dir)
  local l = ledger()
  local connects = T.counter("UnityConnected")
  T.call("host.log", { count = 1500, threads = 2, interval_ms = 1, message = "stream" })
  vim.wait(300)
  T.call("host.reload") -- the reload also stops the game's logging threads, as in Unity
  T.wait_for(function()
    return connects() >= 1
  end, "the reconnection after the reload", 30000)
  T.call("host.log", { count = 1, message = "end-of-stream" })
  T.wait_for(function()
    return #lines_matching("LOG  end%-of%-stream t0#(%d+)$") == 1
  end, "the last log", 20000)
  local made = l.last - l.first + 1
  local st = unity.status()
  io.stdout:write(string.format("# reload mid-stream: %d made, %d delivered, %d lost\n", made, l.delivered, st.lost))
  T.truthy(made > 100, "logs streamed across the reload")
  T.eq(made, l.delivered + st.lost, "delivered + lost (by seq)")
  T.eq(0, st.corrupt, "no corrupt frame")
end)

T.test("50 domain reloads in a row while the game logs: no leak on either side, nothing lost uncounted", function()
  local dir = T.project()
  start_host(dir)
  local fds0, threads0 = #vim.fn.readdir("/proc/self/fd"), #vim.fn.readdir("/proc/self/task")
  connect(dir)
  T.call("state")
  local fds1, threads1 = #vim.fn.readdir("/proc/self/fd"), #vim.fn.readdir("/proc/self/task")
  local l = ledger()
  local connects = T.counter("UnityConnected")
  for i = 1, 50 do
    local before = connects()
    -- Logs still in flight when the domain goes.
    T.call("host.log", { count = 40, threads = 1, interval_ms = 1, message = "steady" })
    T.call("host.reload")
    T.wait_for(function()
      return connects() > before
    end, "reconnection after Mono reload " .. i, 30000)
  end
  T.call("host.log", { count = 1, message = "end-of-reloads" })
  T.wait_for(function()
    return #lines_matching("LOG  end%-of%-reloads t0#(%d+)$") == 1
  end, "the last log", 20000)
  local made = l.last - l.first + 1
  local st = unity.status()
  io.stdout:write(string.format("# 50 Mono reloads: %d made, %d delivered, %d lost\n", made, l.delivered, st.lost))
  T.eq(made, l.delivered + st.lost, "delivered + lost (by seq)")
  T.wait_for(function()
    return #vim.fn.readdir("/proc/self/fd") == fds1
  end, "Neovim's fds back to " .. fds1)
  T.eq(threads1, #vim.fn.readdir("/proc/self/task"), "Neovim's threads")
  require("unity.client").disconnect()
  T.wait_for(function()
    return #vim.fn.readdir("/proc/self/fd") == fds0 and #vim.fn.readdir("/proc/self/task") == threads0
  end, "fds and threads as before connecting")
end)

T.test("Neovim stopped (SIGSTOP) for 5 s while the game floods: the editor ticks on, losses counted", function()
  local dir = T.project()
  start_host(dir)
  local ready = false
  local out = {}
  local script = vim.fn.tempname() .. ".lua"
  vim.fn.writefile({
    "vim.opt.rtp:prepend(" .. vim.inspect(T.root) .. ")",
    "vim.cmd.runtime('plugin/unity.lua')",
    "local unity = require('unity')",
    "local l = { delivered = 0, first = math.huge, last = 0 }",
    "vim.api.nvim_create_autocmd('User', { pattern = 'UnityLog', callback = function(a)",
    "  for _, e in ipairs(a.data) do l.delivered = l.delivered + 1; l.first = math.min(l.first, e.seq); l.last = math.max(l.last, e.seq) end",
    "end })",
    "local function call(name, args) local r; unity.send(name, args, function(x) r = x end);"
      .. " vim.wait(20000, function() return r end); return r end",
    "assert(require('unity').connect(" .. vim.inspect(dir) .. "))",
    "vim.wait(20000, function() return unity.status().connected end)",
    "local t0 = call('host.ticks').result.ticks",
    "call('host.log', { count = 20000, threads = 2, message = 'flood' })",
    "io.stdout:write('ready\\n')",
    "vim.wait(2000)", -- SIGSTOP lands in here; the wait ends soon after SIGCONT
    "local t1 = call('host.ticks').result.ticks",
    "call('host.join', { timeout_ms = 60000 })",
    "call('host.log', { count = 1, message = 'after-the-stop' })",
    "vim.wait(20000, function()",
    "  return table.concat(vim.api.nvim_buf_get_lines(require('unity.log').buf(), 0, -1, false), '\\n'):find('after%-the%-stop')",
    "end)",
    "io.stdout:write(string.format('result %d %d %d %d %d\\n', t0, t1, l.delivered, unity.status().lost, l.last - l.first + 1))",
    "vim.cmd('qa!')",
  }, script)
  local child = vim.system({ vim.uv.exepath(), "--headless", "--clean", "-l", script }, {
    text = true,
    stdout = function(_, data)
      if data then
        out[#out + 1] = data
        ready = ready or data:find("ready", 1, true) ~= nil
      end
    end,
  })
  T.wait_for(function()
    return ready
  end, "the flooded Neovim to be ready", 30000)
  vim.uv.kill(child.pid, "sigstop")
  vim.wait(5000)
  vim.uv.kill(child.pid, "sigcont")
  local res = child:wait(120000)
  T.eq(0, res.code, "the stopped Neovim carried on and quit")
  local t0, t1, delivered, lost, made = table.concat(out):match("result (%d+) (%d+) (%d+) (%d+) (%d+)")
  T.truthy(t0, "results: " .. table.concat(out))
  t0, t1, delivered, lost, made = tonumber(t0), tonumber(t1), tonumber(delivered), tonumber(lost), tonumber(made)
  io.stdout:write(
    string.format(
      "# SIGSTOP 5 s: %d editor ticks meanwhile, %d logs made, %d delivered, %d lost\n",
      t1 - t0,
      made,
      delivered,
      lost
    )
  )
  T.truthy(t1 - t0 >= 100, "the editor loop ticked while Neovim was stopped: " .. (t1 - t0))
  T.eq(made, delivered + lost, "delivered + lost (by seq)")
end)

T.test("Neovim quitting while the game floods leaves the editor ticking", function()
  local dir = T.project()
  start_host(dir)
  local res = T.child({
    "assert(require('unity').connect(" .. vim.inspect(dir) .. "))",
    "vim.wait(20000, function() return require('unity').status().connected end)",
    "require('unity').send('host.log', { count = 50000, threads = 2, message = 'flood' })",
    "vim.wait(500)",
    "vim.cmd('qa!')",
  }, 30000)
  T.eq(0, res.code, "the flooded Neovim quit (124 would be a hang)")
  connect(dir)
  local a = T.call("host.ticks").result.ticks
  vim.wait(300)
  local b = T.call("host.ticks").result.ticks
  T.truthy(b > a, string.format("the editor loop kept ticking (%d then %d)", a, b))
end)

T.test("Unity's External Script Editor: a double-click lands the cursor in the connected Neovim", function()
  local dir = T.project()
  local lines = {}
  for i = 1, 30 do
    lines[i] = string.format("    int field%d = %d;", i, i)
  end
  local player = dir .. "/Assets/Scripts/Play er's.cs"
  vim.fn.writefile(lines, player)
  -- The user chose Neovim in Preferences > External Tools (the kScriptsDefaultApp EditorPrefs).
  start_host(dir, { UNITY_HOST_PREF_kScriptsDefaultApp = "/usr/local/bin/nvim" })
  connect(dir)
  T.eq(true, T.call("host.open", { file = player, line = 12, col = 7 }).result, "OpenProject took it")
  -- The `open` frame went out before the reply, and the drain handles messages in order.
  T.eq(player, vim.api.nvim_buf_get_name(0), "the file is shown")
  T.eq({ 12, 6 }, vim.api.nvim_win_get_cursor(0), "line 12, column 7")
  T.eq(false, T.call("host.open", { file = dir .. "/Assets/logo.png", line = 1 }).result, "a .png is left to Unity")
  T.eq(player, vim.api.nvim_buf_get_name(0), "nothing else opened")
end)

T.test("Launching from Unity: a double-click while that Neovim starts goes to it once connected", function()
  local dir = T.project()
  vim.fn.writefile({ "class A {}" }, dir .. "/Assets/A.cs")
  vim.fn.writefile({ "class B {", '  string s = "héllo"; int x;' }, dir .. "/Assets/B.cs")
  local opened, go, script = dir .. "/opened", dir .. "/go", dir .. "/launched.lua"
  -- The launched Neovim (this plugin, no user config) connects only once told to, so that the
  -- second double-click surely comes while it starts; it records where an `open` put it.
  vim.fn.writefile({
    string.format("local opened, go, project = %q, %q, %q", opened, go, dir),
    'require("unity").setup({ auto_connect = false })',
    'vim.api.nvim_create_autocmd("User", { pattern = "UnityOpen", callback = function()',
    "  local at = { vim.api.nvim_buf_get_name(0), vim.fn.line('.'), vim.fn.charcol('.'), vim.fn.getpid() }",
    '  vim.fn.writefile(vim.tbl_map(tostring, at), opened .. ".tmp")',
    '  vim.uv.fs_rename(opened .. ".tmp", opened)',
    "end })",
    "local timer = assert(vim.uv.new_timer())",
    "timer:start(20, 20, vim.schedule_wrap(function()",
    "  if vim.uv.fs_stat(go) then",
    "    timer:stop()",
    '    require("unity").connect(project)',
    "  end",
    "end))",
    "vim.defer_fn(function() vim.cmd('qa!') end, 120000) -- never outlives a failed test for long",
  }, script)
  local _, output = start_host(dir, {
    UNITY_HOST_EDITOR_LOG = "1",
    UNITY_HOST_PREF_kScriptsDefaultApp = vim.v.progpath,
    UNITY_HOST_PREF_UnityNvim_LaunchTemplate = string.format(
      "{nvim} --headless --clean --cmd 'set rtp^=%s' --cmd 'luafile %s' {file}",
      T.root,
      script
    ),
  })
  -- Two double-clicks with nobody reading Unity: peer.py writes the commands, as Neovim would.
  local sent = vim
    .system({
      "python3",
      "-c",
      table.concat({
        "import sys",
        string.format("sys.path.insert(0, %q)", T.root .. "/tests/unity_host"),
        "import peer as P",
        string.format("p = P.Peer(%q)", dir),
        "p.open_writer()",
        "p.send('host.open', {'file': 'Assets/A.cs', 'line': 1})",
        "p.send('host.open', {'file': 'Assets/B.cs', 'line': 2, 'col': 16})",
        "p.send('host.log', {'message': 'both opens ran'})",
      }, "\n"),
    })
    :wait(30000)
  T.eq(0, sent.code, "peer.py sent the commands: " .. (sent.stderr or ""))
  T.wait_for(function()
    return output():find("both opens ran", 1, true)
  end, "the host ran both double-clicks")
  vim.fn.writefile({}, go)
  T.wait_for(function()
    return vim.uv.fs_stat(opened)
  end, "the launched Neovim got an open", 30000)
  local at = vim.fn.readfile(opened)
  vim.uv.kill(tonumber(at[4]), "sigterm")
  T.eq({ dir .. "/Assets/B.cs", "2", "16" }, { at[1], at[2], at[3] }, "the second file, on the 16th character")
  T.eq(nil, output():find("exited with code", 1, true), "the launch is not reported as failed")
end)

T.test(":UnitySyncProjects with the real package writes the project files; Unity's own sync is announced", function()
  local dir = T.project()
  vim.fn.system({ "cp", "-R", T.root .. "/tests/unity_host/project/.", dir })
  -- -batchmode: an editor that does not write the project files at start-up on its own.
  start_host(dir, { UNITY_HOST_PREF_kScriptsDefaultApp = "/usr/local/bin/nvim", UNITY_HOST_BATCHMODE = "1" })
  connect(dir)
  local projects = require("unity.projects")
  T.truthy(#projects.state(dir).files == 0, "no project files yet")
  local changed = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityProjectsChanged",
    callback = function(a)
      changed[#changed + 1] = a.data
    end,
  })
  projects.sync()
  T.wait_for(function()
    return #changed == 1
  end, "UnityProjectsChanged after :UnitySyncProjects", 20000)
  T.eq("sync", changed[1].by)
  T.eq(7, #changed[1].files, "a solution and six projects: " .. vim.inspect(changed[1].files))
  T.truthy(vim.tbl_contains(changed[1].files, dir .. "/" .. vim.fs.basename(dir) .. ".sln"), "the solution")
  local state = projects.state(dir)
  T.eq(7, #state.files, "checkhealth finds them")
  T.eq(nil, state.stale, "and finds them up to date")
  -- A script added: stale for :checkhealth until Unity's SyncIfNeeded (the chosen editor's) rewrites its project.
  vim.fn.writefile({ "public class Extra {}" }, dir .. "/Assets/Scripts/Extra.cs")
  T.eq("Assets/Scripts/Extra.cs", projects.state(dir).stale)
  T.call("host.syncifneeded", { added = { "Assets/Scripts/Extra.cs" } })
  T.wait_for(function()
    return #changed == 2
  end, "UnityProjectsChanged after Unity's own sync", 20000)
  T.eq({ by = "unity", files = { dir .. "/Assembly-CSharp.csproj" } }, { by = changed[2].by, files = changed[2].files })
  T.eq(nil, projects.state(dir).stale, "up to date again")
end)

T.run()
