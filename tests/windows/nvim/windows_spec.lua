-- The plugin on Windows, under wine: Windows nvim.exe with lua/unity_native.dll, connected to
-- unity-peer.exe over named pipes (tests/windows/run.sh runs it; UNITY_PEER names the peer).
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h") .. "/helpers.lua")
local unity = require("unity")

T.test("this is Windows, and the module is the .dll", function()
  T.eq(1, vim.fn.has("win32"), "has('win32')")
  T.truthy(vim.api.nvim_get_runtime_file("lua/unity_native.dll", false)[1], "lua/unity_native.dll")
  T.truthy(require("unity.native").get(), "the module loads")
end)

T.test("logs arrive in order over named pipes, commands are answered by id", function()
  local dir = T.connected_peer()
  T.truthy(T.session(dir).pipes, "pipes named")
  local reply = T.call("sim.log", { count = 300, level = "warning", message = "ordered" })
  T.eq(300, reply.result, "sim.log result")
  local lines = T.numbered_logs("WARN ordered (%d+)$", 300)
  for i = 1, 300 do
    T.eq(i, lines[i], "line order")
  end
  T.eq(0, unity.status().lost, "lost")
  T.eq(true, T.call("play").result.playing, "play answered")
end)

T.test("checkhealth speaks of named pipes, and of the connection", function()
  local dir = T.connected_peer()
  vim.cmd("checkhealth unity")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  T.contains(text, "Unity project: " .. vim.fs.normalize(dir), "project")
  T.contains(text, "each connection checks that Unity (pid " .. unity.status().pid .. ") serves them", "pipes")
  T.contains(text, "connected to Unity", "connection")
  vim.cmd("bwipeout!")
end)

T.test("a compile's errors land in quickfix and open at their file; the reload reconnects", function()
  local dir = T.project()
  local broken = dir .. "/Assets/Scripts/Broken.cs"
  vim.fn.writefile({ "class Broken {", "  #error this does not compile", "}" }, broken)
  T.start_peer(dir)
  local events = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = { "UnityCompileFinished", "UnityConnected", "UnityDisconnected" },
    callback = function(a)
      events[#events + 1] = a.match
    end,
  })
  T.connect(dir)
  vim.cmd("UnityCompile")
  local qf = T.wait_for(function()
    local l = vim.fn.getqflist({ title = 0, items = 0 })
    return l.title == "Unity compile" and #l.items > 0 and l
  end, "the Unity compile quickfix list")
  T.eq(1, #qf.items, "items")
  T.eq(2, qf.items[1].lnum, "lnum")
  vim.cmd("cc 1")
  T.eq(vim.fs.normalize(broken):lower(), vim.fs.normalize(vim.api.nvim_buf_get_name(0)):lower(), "opened at its file")
  T.eq(2, vim.fn.line("."), "at its line")
  T.eq(1, #vim.diagnostic.get(0, { namespace = require("unity.compile").ns }), "its diagnostic")

  vim.fn.writefile({ "class Broken {}" }, broken)
  local seen = #events
  vim.cmd("UnityCompile")
  T.wait_for(function()
    return #vim.fn.getqflist() == 0
  end, "an empty quickfix list")
  T.wait_for(function()
    return table.concat(events, " ", seen + 1):find("UnityCompileFinished UnityDisconnected UnityConnected", 1, true)
  end, "a reload: disconnected and connected again")
  T.eq(false, T.call("state").result.compiling, "commands after the reload")
end)

local function write_session(dir, s)
  local path = dir .. "/Temp/NeovimBridge/session.json"
  vim.fn.writefile({ vim.json.encode(s) }, path .. ".tmp")
  vim.uv.fs_rename(path .. ".tmp", path)
end

T.test("a squatted pipe name: refused before a byte moves, with both pids", function()
  -- Unity runs in `dir`; another process (a second peer) serves the pipe names its session
  -- gives, as if it had created them first.
  local dir, elsewhere = T.project(), T.project()
  T.start_peer(dir)
  T.start_peer(elsewhere)
  local mine, squatter = T.session(dir), T.session(elsewhere)
  mine.pipes = squatter.pipes
  write_session(dir, mine)
  vim.cmd.cd(dir)
  T.truthy(unity.connect(dir))
  local msg = T.wait_for(function()
    local n = T.noted("not by Unity")
    return n and n.msg
  end, "the refusal")
  T.contains(msg, squatter.pipes["unity-to-nvim"], "names the pipe")
  T.contains(
    msg,
    string.format("served by process %d, not by Unity (pid %d from session.json)", squatter.pid, mine.pid)
  )
  T.eq(false, unity.status().connected, "not connected")
  local id, err = unity.send("play")
  T.eq(nil, id, "a command is not sent to the squatter")
  T.contains(err, "not by Unity", "and says why")
end)

T.test("a stale session.json (the pipes' server is not its editor): refused, then connects to the real one", function()
  local dir = T.project()
  T.start_peer(dir)
  local real = T.session(dir)
  local stale = vim.deepcopy(real)
  stale.pid = vim.fn.getpid() -- a live process that serves no pipe
  write_session(dir, stale)
  vim.cmd.cd(dir)
  T.truthy(unity.connect(dir))
  T.wait_for(function()
    return T.noted(string.format("served by process %d, not by Unity (pid %d", real.pid, stale.pid))
  end, "the refusal")
  write_session(dir, real)
  T.connected()
  T.eq(real.pid, unity.status().pid, "the real editor")
end)

--- Timers the plugin makes from now on (till the end of the test), to count the repeating ones.
local function timers_made()
  local made, new_timer = {}, vim.uv.new_timer
  vim.uv.new_timer = function()
    local t = new_timer()
    made[#made + 1] = t
    return t
  end
  T.defer(function()
    vim.uv.new_timer = new_timer
  end)
  return function()
    local n = 0
    for _, t in ipairs(made) do
      if not t:is_closing() and t:is_active() and t:get_repeat() > 0 then
        n = n + 1
      end
    end
    return n
  end
end

local client = require("unity.client")

--- How the connection learns of events, once its wake-up pipe is settled.
local function settled_wake()
  return T.wait_for(function()
    local w = client.wake()
    return w and w.how ~= "connecting" and w
  end, "the wake-up pipe connected or given up")
end

--- Asks the peer for `n` log lines and waits until they are all in the log buffer.
local function logs_arrive(n, word)
  T.eq(n, T.call("sim.log", { count = n, message = word }).result, "sim.log result")
  T.wait_for(function()
    local seen = 0
    for _, l in ipairs(T.log_lines()) do
      if l:find(word, 1, true) then
        seen = seen + 1
      end
    end
    return seen == n
  end, n .. " log lines " .. word)
end

--- The text of :checkhealth unity.
local function health()
  vim.cmd("checkhealth unity")
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  vim.cmd("bwipeout!")
  return text
end

T.test("Neovim is woken through a named pipe: no timer runs while connected and idle", function()
  local repeating = timers_made()
  T.connected_peer()
  local wake = settled_wake()
  T.eq(0, repeating(), "repeating timers while connected and idle")
  T.eq("pipe", wake.how, "woken by the module's pipe (" .. tostring(wake.problem) .. ")")
  logs_arrive(50, "woken")
  T.eq(0, repeating(), "repeating timers after a burst")
  local text = health()
  T.eq(nil, text:find("16 ms timer", 1, true), "no fallback in :checkhealth")
end)

--- Makes the plugin's next wake-up pipe connect through `connect(pipe, name, cb)` instead.
local function next_pipe_connects(connect)
  local new_pipe = vim.uv.new_pipe
  vim.uv.new_pipe = function(ipc)
    vim.uv.new_pipe = new_pipe
    local pipe = new_pipe(ipc)
    return setmetatable({
      connect = function(_, name, cb)
        return connect(pipe, name, cb)
      end,
    }, {
      __index = function(_, k)
        return function(_, ...)
          return pipe[k](pipe, ...)
        end
      end,
    })
  end
  T.defer(function()
    vim.uv.new_pipe = new_pipe
  end)
end

T.test("another process on the wake-up pipe: refused, the timer takes over, :checkhealth says so once", function()
  local dir = T.project()
  T.start_peer(dir) -- before the hook: its stdio pipes are not the wake-up pipe
  local stranger
  next_pipe_connects(function(pipe, name, cb)
    -- Another process takes the pipe first; Neovim's own connection is only pretended, so that
    -- the module finds the stranger as the pipe's client when it checks.
    local script = vim.fn.tempname() .. ".lua"
    vim.fn.writefile({
      "local p = vim.uv.new_pipe(false)",
      "p:connect(" .. vim.inspect(name) .. ", function(err) io.stdout:write(err or 'connected', '\\n') end)",
      "vim.wait(60000, function() return false end)",
    }, script)
    local said = ""
    stranger = vim.system({ vim.uv.exepath(), "--headless", "--clean", "-l", script }, {
      stdout = function(_, data)
        said = said .. (data or "")
      end,
    })
    T.defer(function()
      stranger:kill(9)
    end)
    T.wait_for(function()
      return said:find("\n")
    end, "the stranger's connection")
    T.truthy(said:find("^connected"), "the stranger connected: " .. said)
    vim.schedule(function()
      cb(nil)
    end)
    return pipe
  end)
  T.connect(dir)
  local wake = settled_wake()
  T.eq("timer", wake.how, "the timer")
  T.contains(wake.problem, "process " .. stranger.pid .. " connected to the wake-up pipe, not this Neovim")
  logs_arrive(50, "polled")
  local text = health()
  local _, count = text:gsub("16 ms timer", "")
  T.eq(1, count, "said once in :checkhealth")
  T.contains(text, wake.problem, "with the reason")
  T.eq(nil, T.noted("wake-up pipe"), "no notification")
end)

T.run()
