-- A small test harness for specs run as `nvim --headless --clean -l tests/nvim/x_spec.lua`:
-- real Neovim, the real built module, real FIFOs; isolated from the user's configuration.
local T = {}

T.root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
-- Built by `make tools` (the tools crate, tools/), which `make test-nvim` runs.
-- UNITY_PEER: another build of it (tests/windows/run.sh gives the Windows one).
T.peer = os.getenv("UNITY_PEER") or (T.root .. "/target/release/unity-peer")

-- Only this repository on the runtimepath; the plugin file loaded as Neovim would load it.
vim.opt.rtp:prepend(T.root)
vim.opt.shadafile = "NONE"
vim.cmd.runtime("plugin/unity.lua")

local tests = {}
local cleanups = {}

---@param name string
---@param fn fun()
function T.test(name, fn)
  tests[#tests + 1] = { name = name, fn = fn }
end

--- vim.notify captured: every message lands in T.notes as { msg, level }.
T.notes = {}
vim.notify = function(msg, level)
  T.notes[#T.notes + 1] = { msg = msg, level = level }
end

--- The first captured message containing `text`, or nil.
function T.noted(text)
  for _, n in ipairs(T.notes) do
    if n.msg:find(text, 1, true) then
      return n
    end
  end
end

--- Counts `User {pattern}` events from now on; returns a function that gives the count.
---@param pattern string
---@return fun(): integer
function T.counter(pattern)
  local n = 0
  vim.api.nvim_create_autocmd("User", {
    pattern = pattern,
    callback = function()
      n = n + 1
    end,
  })
  return function()
    return n
  end
end

--- The data of every `User {pattern}` during the current test, in order.
---@param pattern string
---@return table[]
function T.record(pattern)
  local seen = {}
  local id = vim.api.nvim_create_autocmd("User", {
    pattern = pattern,
    callback = function(a)
      seen[#seen + 1] = a.data
    end,
  })
  T.defer(function()
    vim.api.nvim_del_autocmd(id)
  end)
  return seen
end

function T.clear_notes()
  T.notes = {}
end

--- Runs `fn` after the current test, pass or fail.
function T.defer(fn)
  cleanups[#cleanups + 1] = fn
end

function T.eq(expected, actual, what)
  if not vim.deep_equal(expected, actual) then
    error(string.format("%s: expected %s, got %s", what or "value", vim.inspect(expected), vim.inspect(actual)), 2)
  end
end

function T.truthy(v, what)
  if not v then
    error((what or "condition") .. " is not true: " .. vim.inspect(v), 2)
  end
  return v
end

function T.contains(haystack, needle, what)
  if type(haystack) ~= "string" or not haystack:find(needle, 1, true) then
    local shown = type(haystack) == "string" and #haystack > 300 and haystack:sub(1, 300) .. "…" or haystack
    error(string.format("%s: %s does not contain %q", what or "text", vim.inspect(shown), needle), 2)
  end
end

--- The stand-in hosts of the running test: their output so far, and how they ended if they did.
---@type {name: string, out: string[], ended?: vim.SystemCompleted}[]
local hosts = {}

--- What a test that timed out may be waiting for in vain: each host's end and its last output.
local function hosts_report()
  local parts = {}
  for _, h in ipairs(hosts) do
    -- Plain console logs (UNITY_HOST_EDITOR_LOG=1) would crowd out the host's own lines.
    local out = table.concat(h.out):gsub("%[console%] Log: [^\n]*\n", "")
    local state = h.ended and ("exited with code " .. h.ended.code) or "still running"
    parts[#parts + 1] = string.format("\n(%s %s; its last output:\n%s)", h.name, state, out:sub(-4000))
  end
  return table.concat(parts)
end

--- Waits (running the event loop) until `cond()` is truthy; fails after `ms` (generous: this
--- guards against hangs, it does not measure time).
function T.wait_for(cond, what, ms)
  local value
  local ok = vim.wait(ms or 10000, function()
    value = cond()
    return value
  end, 5)
  if not ok then
    error("timed out waiting for " .. what .. hosts_report(), 2)
  end
  return value
end

--- A fresh Unity project folder (Assets/ and ProjectSettings/ProjectVersion.txt).
function T.project()
  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir .. "/Assets/Scripts", "p")
  vim.fn.mkdir(dir .. "/ProjectSettings", "p")
  vim.fn.writefile({ "m_EditorVersion: 2022.3.0f1" }, dir .. "/ProjectSettings/ProjectVersion.txt")
  T.defer(function()
    vim.fn.delete(dir, "rf")
  end)
  return vim.uv.fs_realpath(dir)
end

--- What the editor on `dir` wrote in its session.json, decoded.
---@param dir string
---@return table
function T.session(dir)
  return vim.json.decode(table.concat(vim.fn.readfile(dir .. "/Temp/NeovimBridge/session.json"), "\n"))
end

--- Starts the peer (unity-peer editor) on `project`; stopped (SIGTERM) after the test.
---@return vim.SystemObj
function T.start_peer(project, extra)
  assert(vim.fn.executable(T.peer) == 1, T.peer .. " is missing: run `make tools`")
  local cmd = { T.peer, "editor", "--project", project, "--rate", "0" }
  vim.list_extend(cmd, extra or {})
  local proc = vim.system(cmd, { text = true })
  T.defer(function()
    T.stop_peer(proc)
  end)
  T.wait_for(function()
    return vim.uv.fs_stat(project .. "/Temp/NeovimBridge/session.json")
  end, "the peer (unity-peer editor)'s session.json")
  return proc
end

-- Under wine (tests/windows/run.sh) the host is prebuilt for .NET Core and runs in dotnet.exe;
-- there is no bash to turn a signal into its "quit", so that goes to its stdin directly.
local windows_host = os.getenv("UNITY_HOST_EXE")
local host_built = windows_host ~= nil

--- Starts the stand-in host on `dir`; returns it, a function giving its output so far, and one
--- that stops it with SIGTERM (on which it quits as Unity does) and checks that it quit cleanly.
local function launch_host(dir, env)
  if not host_built then
    local built = vim.system({ "bash", T.root .. "/tests/unity_host/build.sh" }, { text = true }):wait(600000)
    assert(built.code == 0, "building the Unity host failed: " .. (built.stderr or ""))
    host_built = true
  end
  local host = { name = "the stand-in host on " .. dir, out = {} }
  hosts[#hosts + 1] = host
  local function collect(_, data)
    host.out[#host.out + 1] = data
  end
  local cmd = windows_host and { os.getenv("DOTNET_EXE"), windows_host, dir }
    or { "bash", T.root .. "/tests/unity_host/run.sh", dir }
  local proc = vim.system(cmd, {
    text = true,
    stdin = windows_host ~= nil,
    env = vim.tbl_extend("force", { UNITY_HOST_TEST = "1" }, env or {}),
    stdout = collect,
    stderr = collect,
  }, function(res)
    host.ended = res
  end)
  local function stop()
    hosts = vim.tbl_filter(function(h)
      return h ~= host
    end, hosts)
    if not proc:is_closing() then
      if windows_host then
        proc:write("quit\n")
      else
        proc:kill("sigterm")
      end
    end
    local res = proc:wait(20000)
    T.truthy(res, "the host ended after it was told to quit; its output:\n" .. table.concat(host.out))
    T.eq(0, res.code, "the host quit cleanly; its output:\n" .. table.concat(host.out))
  end
  T.wait_for(function()
    return vim.uv.fs_stat(dir .. "/Temp/NeovimBridge/session.json")
  end, "the host's session.json", 30000)
  return proc, function()
    return table.concat(host.out)
  end, stop
end

--- Starts the stand-in Unity editor (the real package under Mono) on `dir`, with `env` added;
--- stopped after the test with SIGTERM, on which it quits as Unity does. Builds it first.
--- Also returns a function giving what the host printed so far.
---@param dir string
---@param env? table<string, string>
---@return vim.SystemObj, fun(): string
function T.start_host(dir, env)
  local proc, output, stop = launch_host(dir, env)
  T.defer(stop)
  return proc, output
end

local shared_host
local after_all = {}

--- The stand-in host on one fresh project, shared by the tests of a spec file that ask for it
--- (a host takes seconds to start): started by the first, stopped after the last, with `env`
--- and `files` ({ [path in the project] = lines }, there before it starts) as the first asked.
--- Each test leaves it as it found it: Assets/ and Packages/ hold `files` again after it, and
--- the log history, play mode and connection are its own to reset.
--- Returns the project and a function giving the host's output so far.
---@param env? table<string, string>
---@param files? table<string, string[]>
---@return string, fun(): string
function T.shared_host(env, files)
  local function lay_out(dir)
    for _, f in ipairs(vim.fn.glob(dir .. "/Assets/*", false, true)) do
      vim.fn.delete(f, "rf")
    end
    vim.fn.delete(dir .. "/Packages", "rf")
    vim.fn.mkdir(dir .. "/Assets/Scripts", "p")
    for path, lines in pairs(shared_host and shared_host.files or {}) do
      vim.fn.mkdir(vim.fs.dirname(dir .. "/" .. path), "p")
      vim.fn.writefile(lines, dir .. "/" .. path)
    end
  end
  if not shared_host then
    local dir = vim.fn.tempname()
    vim.fn.mkdir(dir .. "/ProjectSettings", "p")
    vim.fn.writefile({ "m_EditorVersion: 2022.3.0f1" }, dir .. "/ProjectSettings/ProjectVersion.txt")
    dir = vim.uv.fs_realpath(dir)
    shared_host = { dir = dir, files = files or {} }
    lay_out(dir)
    local _, output, stop = launch_host(dir, env)
    shared_host.output = output
    after_all[#after_all + 1] = function()
      stop()
      vim.fn.delete(dir, "rf")
    end
  end
  T.defer(function()
    lay_out(shared_host.dir)
  end)
  return shared_host.dir, shared_host.output
end

--- Refreshes until Unity answers that no compile follows: what the tests before changed is
--- compiled, and the reload after it is over. A refresh that meets a reload (refused, or its
--- connection gone before the reply) is sent again.
function T.settle()
  local unity = require("unity")
  T.wait_for(function()
    T.connected()
    local reply
    if unity.send("refresh", nil, function(r)
      reply = r
    end) then
      vim.wait(20000, function()
        return reply ~= nil or not unity.status().connected
      end, 5)
    end
    if reply and reply.ok and not reply.result.compiling then
      return true
    end
    vim.wait(100)
  end, "a refresh that compiles nothing", 60000)
end

--- T.shared_host, connected, once Unity has compiled what the tests before left changed;
--- after the test, play mode is left (which reloads nothing), so that the next test connects
--- to a settled editor.
---@param env? table<string, string>
---@param files? table<string, string[]>
---@return string, fun(): string
function T.connect_shared(env, files)
  local dir, output = T.shared_host(env, files)
  T.connect(dir)
  T.settle()
  T.clear_notes() -- what settling said is not the test's
  T.defer(function()
    local status = require("unity").status
    if status().connected and status().playing then
      T.call("stop")
      T.wait_for(function()
        return status().connected and not status().playing
      end, "play mode left", 60000)
    end
  end)
  return dir, output
end

function T.stop_peer(proc)
  if proc:is_closing() then
    return
  end
  proc:kill("sigterm")
  local res = proc:wait(10000)
  if res.signal == 9 or res.code == 124 then
    error("the peer (unity-peer editor) did not quit on SIGTERM")
  end
end

--- Runs `lines` as a Lua script in another headless Neovim with this plugin loaded, and waits
--- for it (at most `ms`; a timeout shows as exit code 124).
---@return vim.SystemCompleted
function T.child(lines, ms)
  local script = vim.fn.tempname() .. ".lua"
  vim.fn.writefile(
    vim.list_extend({
      "vim.opt.rtp:prepend(" .. vim.inspect(T.root) .. ")",
      "vim.cmd.runtime('plugin/unity.lua')",
    }, lines),
    script
  )
  return vim.system({ vim.uv.exepath(), "--headless", "--clean", "-l", script }, { text = true }):wait(ms)
end

--- The lines of the log buffer.
function T.log_lines()
  return vim.api.nvim_buf_get_lines(require("unity.log").buf(), 0, -1, false)
end

--- Sends a command and waits for its reply.
--- Waits until the log shows `count` lines matching `pattern`, whose one capture is a number;
--- returns those numbers in the log's order.
---@param pattern string
---@param count integer
---@return integer[]
function T.numbered_logs(pattern, count)
  return T.wait_for(function()
    local found = {}
    for _, l in ipairs(T.log_lines()) do
      local n = l:match(pattern)
      if n then
        found[#found + 1] = tonumber(n)
      end
    end
    return #found == count and found
  end, count .. " log lines like " .. pattern)
end

function T.call(name, args)
  local reply
  local id, err = require("unity").send(name, args, function(r)
    reply = r
  end)
  T.truthy(id, "send(" .. name .. ") returned an id (" .. tostring(err) .. ")")
  T.wait_for(function()
    return reply
  end, "the reply to " .. name)
  T.eq(id, reply.id, "reply id")
  return reply
end

--- Runs Unity tests through `require("unity").test` and waits for on_done; returns its
--- arguments (the summary, or nil and why).
---@param opts table
---@param ms? integer
function T.run_tests(opts, ms)
  local summary, err
  local done = false
  require("unity").test(opts, function(s, e)
    summary, err, done = s, e, true
  end)
  T.wait_for(function()
    return done
  end, "the test run's end", ms)
  return summary, err
end

--- Runs a neotest-unity spec as neotest's runner does (the strategy's process, then `results`);
--- returns the results, the exit code and the output file.
function T.neotest_run(spec, tree, ms)
  local adapter = require("neotest-unity")
  local code, output
  adapter.start(spec, function(c, o)
    code, output = c, o
  end)
  T.wait_for(function()
    return code
  end, "the adapter's run", ms)
  return adapter.results(spec, { code = code, output = output }, tree), code, output
end

--- Makes `dir` the current directory and connects to the Unity project there; with `wait`
--- (the default), until Unity's hello has arrived.
function T.connect(dir, wait)
  vim.cmd.cd(dir)
  T.truthy(require("unity").connect(dir))
  if wait ~= false then
    T.connected()
  end
end

--- A fresh project with the peer (unity-peer editor) running on it, connected; returns the project.
---@return string
function T.connected_peer()
  local dir = T.project()
  T.start_peer(dir)
  T.connect(dir)
  return dir
end

--- A connected project whose Assets/Scripts/Enemy.cs holds ten numbered comment lines
--- (`overrides[i]` in place of line i), with an empty log history; runtime sites, buffers and
--- options are cleared after the test.
---@param overrides? table<integer, string>
function T.enemy_project(overrides)
  local dir = T.connected_peer()
  local lines = {}
  for i = 1, 10 do
    lines[i] = (overrides or {})[i] or ("// line " .. i)
  end
  vim.fn.writefile(lines, dir .. "/Assets/Scripts/Enemy.cs")
  require("unity.log").clear() -- the history outlives a test
  T.defer(function()
    require("unity.runtime").clear(true)
    vim.cmd("silent! %bwipeout!")
    require("unity").setup({})
  end)
  return dir
end

function T.connected()
  T.wait_for(function()
    return require("unity").status().connected
  end, "the connection to Unity")
end

--- Runs the registered tests and exits with their verdict.
function T.run()
  local passed, failed = 0, 0
  for _, t in ipairs(tests) do
    local ok, err = xpcall(t.fn, debug.traceback)
    for i = #cleanups, 1, -1 do
      local cok, cerr = pcall(cleanups[i])
      if not cerr and not cok then
        cerr = "cleanup failed"
      end
      if not cok and ok then
        ok, err = false, cerr
      end
    end
    cleanups = {}
    pcall(function()
      require("unity.client").disconnect()
    end)
    vim.cmd.cd(T.root)
    if ok then
      passed = passed + 1
      io.stdout:write("ok - " .. t.name .. "\n")
    else
      failed = failed + 1
      io.stdout:write("not ok - " .. t.name .. "\n  " .. tostring(err):gsub("\n", "\n  ") .. "\n")
    end
  end
  for _, fn in ipairs(after_all) do
    local ok, err = xpcall(fn, debug.traceback)
    if not ok then
      failed = failed + 1
      io.stdout:write("not ok - after all tests\n  " .. tostring(err):gsub("\n", "\n  ") .. "\n")
    end
  end
  io.stdout:write(string.format("%d passed, %d failed\n", passed, failed))
  io.stdout:flush()
  os.exit(failed == 0 and 0 or 1)
end

return T
