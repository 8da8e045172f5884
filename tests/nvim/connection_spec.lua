-- The core bridge against the peer (unity-peer editor), over real FIFOs, in real headless Neovim.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local unity = require("unity")

T.test("without Unity: a clear error, no hang", function()
  local dir = T.project()
  vim.cmd.cd(dir)
  local id, err, kind = unity.send("play")
  T.eq(nil, id, "id")
  T.contains(err, "Unity is not running in " .. vim.fn.fnamemodify(dir, ":~") .. ":", "error names the project")
  T.contains(err, ":UnityConnect", "error says what to do")
  T.eq("not_running", kind, "kind")
  T.eq(false, unity.status().connected, "connected")

  -- A session left by a crashed editor (dead pid) is called stale.
  vim.fn.mkdir(dir .. "/Temp/NeovimBridge", "p", tonumber("700", 8))
  local dead = vim.system({ "true" }):wait()
  T.eq(0, dead.code)
  vim.fn.writefile(
    { vim.json.encode({ protocol = 1, pid = 999999999, unity = "x", project = dir }) },
    dir .. "/Temp/NeovimBridge/session.json"
  )
  id, err = unity.send("play")
  T.eq(nil, id)
  T.contains(err, "ended without cleaning up", "stale session error")
end)

T.test("outside a project: UnityConnect says what a project is", function()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, "p")
  T.defer(function()
    vim.fn.delete(dir, "rf")
  end)
  local ok, err, kind = unity.connect(dir)
  T.eq(nil, ok)
  T.contains(err, "no Unity project at or above " .. vim.fn.fnamemodify(dir, ":~"), "error")
  T.eq("no_project", kind, "kind")
end)

--- Plays a Unity that opens the command pipe and never reads it: the rendezvous made by hand,
--- `nvim-to-unity` open for reading (non-blocking). Returns the descriptor to close.
local function unity_that_never_reads(dir)
  local nb = dir .. "/Temp/NeovimBridge"
  vim.fn.mkdir(nb, "p", tonumber("700", 8))
  for _, f in ipairs({ "unity-to-nvim", "nvim-to-unity" }) do
    T.eq(0, vim.system({ "mkfifo", "-m", "600", nb .. "/" .. f }):wait().code, "mkfifo " .. f)
  end
  local O_NONBLOCK = 2048 -- Linux
  return assert(vim.uv.fs_open(nb .. "/nvim-to-unity", O_NONBLOCK, 0))
end

T.test("a command Unity never read: the callback hears it from Neovim, with the errno worded", function()
  local dir = T.project()
  local fd = unity_that_never_reads(dir)
  T.connect(dir, false)
  -- Two large commands fill the pipe (64 KiB); the second waits in the writer thread.
  local blob = string.rep("x", 60000)
  local replies = {}
  local ids = {}
  for i = 1, 2 do
    local id, err = unity.send("big", { blob = blob }, function(r)
      replies[#replies + 1] = r
    end)
    T.truthy(id, "sent: " .. tostring(err))
    ids[i] = id
  end
  vim.wait(100)
  vim.uv.fs_close(fd) -- Unity goes away mid-write: the writer meets EPIPE
  local r = T.wait_for(function()
    for _, r in ipairs(replies) do
      if r.id == ids[2] then
        return r
      end
    end
  end, "the failed reply of the command being written")
  T.eq(false, r.ok, "ok")
  T.eq("nvim", r.from, "marked as not from Unity")
  T.eq("reader_gone", r.kind, "kind")
  T.eq(32, r.errno, "errno (EPIPE)")
  T.contains(r.error, "Unity closed its command pipe before reading 'big' (EPIPE: Broken pipe)", "worded")
  T.contains(r.error, "send it again", "what to do")
end)

T.test("replies from Unity say so", function()
  T.connected_peer()
  local r = T.call("state")
  T.eq(true, r.ok)
  T.eq("unity", r.from, "from")
  r = T.call("no.such.command")
  T.eq(false, r.ok)
  T.eq("unity", r.from, "a failure Unity made is Unity's")
end)

T.test("the client is an event source: the log window's markers come through User events", function()
  local src = table.concat(vim.fn.readfile(T.root .. "/lua/unity/client.lua"), "\n")
  T.eq(nil, src:find("require%(?%s*[\"']unity%.log"), "client.lua requires no log window module")
  local events = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = { "UnityConnected", "UnityState", "UnityBye", "UnityDisconnected", "UnityLost" },
    callback = function(a)
      events[#events + 1] = { a.match, a.data }
    end,
  })
  local function seen(name, pred)
    for _, e in ipairs(events) do
      if e[1] == name and (not pred or pred(e[2])) then
        return e[2]
      end
    end
  end
  local dir = T.project()
  local sim = T.start_peer(dir)
  T.connect(dir)
  T.call("sim.reload")
  T.wait_for(function()
    return seen("UnityConnected", function(d)
      return d.reconnect
    end)
  end, "a reconnect event")
  T.truthy(
    seen("UnityBye", function(d)
      return d.reason == "reload"
    end),
    "bye: reload"
  )
  T.call("sim.torn")
  T.call("sim.log", { count = 1, message = "after the torn frame" })
  T.wait_for(function()
    return seen("UnityLost", function(d)
      return d.count == 1
    end)
  end, "a loss event")
  T.call("play")
  T.wait_for(function()
    return seen("UnityState", function(d)
      return d.entered_play
    end)
  end, "a state event")
  T.stop_peer(sim)
  T.wait_for(function()
    return seen("UnityDisconnected", function(d)
      return d.reason == "quit"
    end)
  end, "quit")
  local text = table.concat(T.log_lines(), "\n")
  for _, marker in ipairs({
    "── connected to Unity 2022.3.0f1 (unity-peer) (pid " .. unity.status().pid .. ") ──",
    "── Unity is reloading scripts ──",
    "── reconnected after a script reload ──",
    "── 1 message lost (",
    "── Unity quit ──",
  }) do
    T.contains(text, marker, "marker")
  end
  -- The log window listens to the events themselves, whoever fires them.
  vim.api.nvim_exec_autocmds("User", { pattern = "UnityLost", data = { count = 7, cause = "overflow", total = 8 } })
  T.contains(
    table.concat(T.log_lines(), "\n"),
    "── 7 messages lost (Neovim fell behind) ──",
    "marker from the event"
  )
  vim.api.nvim_exec_autocmds("User", { pattern = "UnitySuperseded", data = { pid = 4242 } })
  T.contains(table.concat(T.log_lines(), "\n"), "another Neovim (pid 4242) took over", "marker from the event")
end)

T.test("logs arrive in order, commands are answered by id", function()
  local dir = T.connected_peer()
  local st = unity.status()
  T.eq(dir, st.project, "project")
  T.contains(st.unity, "unity-peer", "unity version")

  local reply = T.call("sim.log", { count = 300, level = "warning", message = "ordered" })
  T.eq(true, reply.ok, "sim.log ok")
  T.eq(300, reply.result, "sim.log result")
  local lines = T.numbered_logs("WARN ordered (%d+)$", 300)
  for i = 1, 300 do
    T.eq(i, lines[i], "line order")
  end
  T.eq(0, unity.status().lost, "lost")

  -- Built-in commands: state changes reach Neovim, results come back with the same id.
  reply = T.call("play")
  T.eq(true, reply.ok)
  T.eq(true, reply.result.playing, "playing in the reply")
  T.wait_for(function()
    return unity.status().playing
  end, "playing state")
  reply = T.call("pause")
  T.eq(true, reply.result.paused, "paused")
  reply = T.call("stop")
  T.eq(false, reply.result.playing, "stopped")
  T.wait_for(function()
    return not unity.status().playing
  end, "stopped state")

  reply = T.call("no.such.command", { x = 1 })
  T.eq(false, reply.ok)
  T.contains(reply.error, "no command named 'no.such.command'", "unknown command error")

  -- Bad arguments are refused before anything is sent.
  local id, err = unity.send("play", "not a table")
  T.eq(nil, id)
  T.contains(err, "must be a table", "args error")
  id, err = unity.send("play", { f = function() end })
  T.eq(nil, id)
  T.contains(err, "cannot be sent to Unity", "function arg error")
end)

-- Against the real package in the stand-in editor, its compiler the real mcs.
T.test(":UnityCompile: errors to quickfix and diagnostics, cleared by a good compile, reload reconnects", function()
  local dir = T.project()
  local broken = dir .. "/Assets/Scripts/Broken.cs"
  vim.fn.writefile({ "class Broken {", '  int b = "this does not compile";', "}" }, broken)
  T.start_host(dir)
  vim.cmd.cd(dir)
  vim.cmd.edit(broken)
  local events = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = { "UnityCompileStarted", "UnityCompileFinished", "UnityConnected", "UnityDisconnected" },
    callback = function(a)
      events[#events + 1] = { a.match, a.data }
    end,
  })
  T.connect(dir)

  vim.cmd("UnityCompile")
  T.truthy(T.noted("compiling"), "progress notification")
  local qf = T.wait_for(function()
    local l = vim.fn.getqflist({ title = 0, items = 0 })
    return l.title == "Unity compile" and #l.items > 0 and l
  end, "the Unity compile quickfix list", 60000)
  T.eq(1, #qf.items, "items")
  T.eq(2, qf.items[1].lnum, "lnum")
  T.eq(11, qf.items[1].col, "col, where mcs puts it: the string")
  T.eq("E", qf.items[1].type, "type")
  T.eq(broken, vim.api.nvim_buf_get_name(qf.items[1].bufnr), "file")
  local diags = vim.diagnostic.get(0, { namespace = require("unity.compile").ns })
  T.eq(1, #diags, "diagnostics")
  T.eq(1, diags[1].lnum, "diagnostic line (0-based)")
  T.truthy(T.noted("1 error"), "summary notification")
  T.eq(1, unity.status().errors)

  -- A file opened later gets its diagnostics too.
  vim.fn.writefile({ "#warning old API", "class W {}" }, dir .. "/Assets/Scripts/W.cs")
  vim.cmd("UnityCompile")
  T.wait_for(function()
    return #vim.fn.getqflist() == 2
  end, "two items", 60000)
  vim.cmd.edit(dir .. "/Assets/Scripts/W.cs")
  T.eq(1, #vim.diagnostic.get(0, { namespace = require("unity.compile").ns }), "diagnostic in a buffer opened later")

  -- Fixed: a good compile clears both, and Unity reloads scripts; Neovim reconnects by itself.
  vim.fn.writefile({ "class Broken {}" }, broken)
  vim.fn.writefile({ "class W {}" }, dir .. "/Assets/Scripts/W.cs")
  local seen = #events
  vim.cmd("UnityCompile")
  T.wait_for(function()
    return #vim.fn.getqflist() == 0
  end, "an empty quickfix list", 60000)
  T.eq("Unity compile", vim.fn.getqflist({ title = 0 }).title, "the list replaced, not stacked")
  T.eq(0, #vim.diagnostic.get(nil, { namespace = require("unity.compile").ns }), "diagnostics cleared")
  T.wait_for(function()
    local names = {}
    for i = seen + 1, #events do
      names[#names + 1] = events[i][1]
    end
    -- The package sends a good compile's summary from the domain the reload brings.
    return table.concat(names, " "):find("UnityDisconnected UnityConnected UnityCompileFinished", 1, true)
  end, "a reload: disconnected, connected again, then the summary", 60000)
  T.truthy(unity.status().connected, "connected after the reload")
  local reply = T.call("state")
  T.eq(false, reply.result.compiling, "not compiling")
  local text = table.concat(T.log_lines(), "\n")
  T.contains(text, "Unity is reloading scripts", "reload marker")
  T.contains(text, "reconnected after a script reload", "reconnect marker")
end)

T.test("Unity quits and comes back with new FIFO files: Neovim reconnects by itself", function()
  local dir = T.project()
  local first = T.start_peer(dir)
  T.connect(dir)
  local pid1 = unity.status().pid
  T.call("sim.log", { count = 3, message = "first editor" })
  T.stop_peer(first)
  T.wait_for(function()
    return not unity.status().connected
  end, "the disconnection")
  T.eq(nil, vim.uv.fs_stat(dir .. "/Temp/NeovimBridge"), "rendezvous removed on quit")
  local id, err = unity.send("play")
  T.eq(nil, id)
  T.contains(err, "Unity is not running in", "error while Unity is away")

  T.start_peer(dir)
  T.connected()
  T.truthy(unity.status().pid ~= pid1, "a new editor")
  T.call("sim.log", { count = 3, message = "second editor" })
  T.wait_for(function()
    return table.concat(T.log_lines(), "\n"):find("second editor 3", 1, true)
  end, "logs from the second editor")
  T.eq(0, unity.status().lost, "a new editor session counts no gap")
end)

T.test("Neovim started before Unity connects when Unity arrives", function()
  local dir = T.project()
  T.connect(dir, false)
  vim.wait(300)
  T.eq(false, unity.status().connected)
  T.start_peer(dir)
  T.connected()
end)

T.test("a torn frame costs that frame only", function()
  T.connected_peer()
  T.call("sim.log", { count = 2, message = "before" })
  T.call("sim.torn")
  T.call("sim.log", { count = 5, message = "after" })
  T.wait_for(function()
    return table.concat(T.log_lines(), "\n"):find("after 5", 1, true)
  end, "the frames after the torn one")
  local text = table.concat(T.log_lines(), "\n")
  for i = 1, 5 do
    T.contains(text, "after " .. i, "good frame")
  end
  T.truthy(not text:find("must never be shown", 1, true), "the torn frame is not shown")
  local st = unity.status()
  T.eq(1, st.corrupt, "one corrupt run")
  T.eq(1, st.lost, "one frame lost, counted once")
  T.contains(text, "1 message lost", "loss marker")
end)

T.test(":qa returns promptly while Unity floods", function()
  local dir = T.project()
  T.start_peer(dir, { "--rate", "2000" })
  local res = T.child({
    "assert(require('unity').connect(" .. vim.inspect(dir) .. "))",
    "require('unity.log').open()",
    "vim.wait(10000, function() return require('unity').status().connected end)",
    "vim.wait(300)",
    "io.stdout:write(require('unity').status().connected and 'connected\\n' or 'never connected\\n')",
    "vim.cmd('qa!')",
  }, 20000)
  T.eq(0, res.code, "exit code (124 would be a hang)")
  T.contains(res.stdout, "connected", "child output")
end)

T.test("setup() validates options", function()
  local ok, err = pcall(unity.setup, { queue_size = -1 })
  T.eq(false, ok)
  T.contains(err, "queue_size must be a positive integer", "error")
  ok, err = pcall(unity.setup, { bogus = true })
  T.eq(false, ok)
  T.contains(err, 'unknown option "bogus"', "error")
  ok, err = pcall(unity.setup, { log = { position = "middle" } })
  T.eq(false, ok)
  T.contains(err, "log.position", "error")
  -- Unknown keys at every level, named by their dotted path.
  for _, case in ipairs({
    { { log = { positon = "top" } }, 'unknown option "log.positon"' },
    { { log = { keys = { jupm = "x" } } }, 'unknown option "log.keys.jupm"' },
    { { log = { levels = { eror = false } } }, 'unknown option "log.levels.eror"' },
    { { log = { levels = { error = 1 } } }, "option log.levels.error must be a boolean, got 1" },
    { { log = { keys = { jump = "" } } }, "option log.keys.jump must be a key or false" },
    { { log = "bottom" }, "option log must be a table" },
    { { log = { look = { lables = {} } } }, 'unknown option "log.look.lables"' },
    { { log = { filter_entry = "errors" } }, "option log.filter_entry must be false or a function" },
    { { on_open = "tmux select-window" }, "option on_open must be false, a function, or a command as a list" },
  }) do
    ok, err = pcall(unity.setup, case[1])
    T.eq(false, ok, vim.inspect(case[1]))
    T.contains(err, case[2], "error")
  end
  T.truthy(pcall(unity.setup, { log = { keys = { jump = false } } }), "a key switched off")
  T.truthy(pcall(unity.setup, { log = { format_entry = function() end } }), "a hook")
  T.truthy(pcall(unity.setup, { history = 500, log = { size = 8 } }))
  T.eq(500, require("unity.config").options.history)
  T.eq("bottom", require("unity.config").options.log.position, "defaults kept")
  unity.setup({})
end)

T.test("checkhealth reports the module, the project and the FIFOs", function()
  local dir = T.connected_peer()
  vim.cmd("checkhealth unity")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  T.contains(text, "native module loaded, version", "module")
  T.contains(text, "Unity project: " .. dir, "project")
  T.contains(text, "are yours and private", "FIFO checks")
  T.contains(text, "connected to Unity", "connection")
  T.contains(text, "unity-to-nvim: ", "the pipe read")
  T.contains(text, "frames (", "what was received")
  vim.cmd("bwipeout!")
end)

T.run()
