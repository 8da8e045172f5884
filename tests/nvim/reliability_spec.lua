-- Faults: bad input, reloads and restarts in a row, two Neovims, unsafe or stale rendezvous,
-- a million-message flood. Bounded in time; hangs fail; no timing is a pass/fail criterion.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local unity = require("unity")
local log = require("unity.log")

local function fds()
  return #vim.fn.readdir("/proc/self/fd")
end
local function threads()
  return #vim.fn.readdir("/proc/self/task")
end
local function rss_mb()
  for _, l in ipairs(vim.fn.readfile("/proc/self/status")) do
    local kb = l:match("^VmRSS:%s+(%d+)")
    if kb then
      return tonumber(kb) / 1024
    end
  end
end

local function all_text()
  return table.concat(T.log_lines(), "\n")
end

--- Counts every log entry delivered to Neovim (the UnityLog events carry each once).
local delivered = 0
vim.api.nvim_create_autocmd("User", {
  pattern = "UnityLog",
  callback = function(a)
    delivered = delivered + #a.data
  end,
})

T.test("bad input on Unity's pipe: each bad frame counted once, the next good one delivered", function()
  T.connected_peer()
  log.buf()
  local bad = {
    "garbage",
    "bad_crc",
    "bad_magic",
    "zero_len",
    "huge_len",
    "truncated_msgpack",
    "not_a_map",
    "wrong_types",
    "deep_nesting",
  }
  for _, kind in ipairs(bad) do
    T.eq(true, T.call("sim.inject", { kind = kind }).ok, kind)
    T.call("sim.log", { count = 1, message = "after " .. kind })
    T.wait_for(function()
      return all_text():find("after " .. kind .. " 1", 1, true)
    end, "the good frame after " .. kind)
  end
  local st = unity.status()
  T.eq(#bad, st.corrupt, "one corrupt event per bad frame")
  T.eq(#bad, st.lost, "each counted once as lost")

  -- Valid but hostile logs are shown, safely.
  for _, kind in ipairs({ "big", "invalid_utf8", "control_chars" }) do
    T.call("sim.inject", { kind = kind })
  end
  T.call("sim.log", { count = 1, message = "after hostile" })
  T.wait_for(function()
    return all_text():find("after hostile 1", 1, true)
  end, "the log after the hostile ones")
  require("unity.log").expand_all(true) -- bodies too
  local lines = T.log_lines()
  for _, l in ipairs(lines) do
    T.truthy(not l:find("[%z\1-\31\127]"), "no control character in " .. vim.inspect(l:sub(1, 80)))
    T.truthy(#l < 700, "lines are cut: " .. #l)
  end
  local text = all_text()
  T.contains(text, "big message of 10 MB: 0123456789", "the 10 MB message")
  T.contains(text, "invalid utf8 \u{fffd}\u{fffd} here", "invalid UTF-8 replaced")
  T.contains(text, "nul  newline", "NUL replaced, newline splits")
  T.contains(text, "  second line", "the second line of the message below its header")
  T.truthy(not text:find("title", 1, true), "OSC escape removed")
  T.eq(#bad, unity.status().lost, "valid messages add no loss")
  T.eq(#bad, unity.status().corrupt)
end)

T.test("a seq that goes backwards: delivered, nothing counted lost, :checkhealth says how often", function()
  T.connected_peer()
  log.buf()
  T.call("sim.log", { count = 5, message = "before" })
  T.wait_for(function()
    return all_text():find("before 5", 1, true)
  end, "the first logs")
  T.eq(true, T.call("sim.inject", { kind = "renumber" }).ok)
  T.call("sim.log", { count = 2, message = "after" })
  T.wait_for(function()
    return all_text():find("after 2", 1, true)
  end, "the logs after the new numbering")
  T.contains(all_text(), "numbered afresh", "the log whose seq went back is shown")
  T.eq(0, unity.status().lost, "nothing counted lost")
  T.eq(1, require("unity.client").handle():stats().renumbered)
  vim.cmd("checkhealth unity")
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  T.contains(report, "restarted its log numbering 1 time(s)", "the health report")
  vim.cmd("bwipeout")
end)

T.test("200 script reloads while logs stream: reconnects every time, nothing lost uncounted, no leak", function()
  local dir = T.project()
  T.start_peer(dir)
  local fds0, threads0 = fds(), threads()
  T.connect(dir)
  -- Count from the first log on: the stream starts once the counter is reset.
  delivered = 0
  T.call("sim.rate", { rate = 400 })
  local hellos = T.counter("UnityConnected")
  T.wait_for(function()
    return delivered > 0
  end, "first logs")
  T.call("state") -- the command pipe's writer thread is part of the steady state
  local fds1, threads1 = fds(), threads()
  for i = 1, 200 do
    local before = hellos()
    T.eq(true, T.call("sim.reload", { ms = 15 }).ok, "reply to reload " .. i)
    T.wait_for(function()
      return hellos() > before
    end, "reconnection after reload " .. i)
  end
  T.truthy(unity.status().connected)
  -- Every message Unity logged was delivered or counted as lost (once the stream stops).
  T.call("sim.rate", { rate = 0 })
  local seq
  local ok = vim.wait(10000, function()
    seq = T.call("sim.stats").result.seq
    return delivered + unity.status().lost == seq
  end, 50)
  T.truthy(ok, string.format("delivered %d + lost %d == Unity's seq %d", delivered, unity.status().lost, seq))
  io.stdout:write(
    string.format("# reloads: 200, logs %d, delivered %d, lost %d\n", seq, delivered, unity.status().lost)
  )
  T.wait_for(function()
    return fds() == fds1
  end, "file descriptors back to " .. fds1 .. " (now " .. fds() .. ")")
  T.eq(threads1, threads(), "threads after 200 reloads")
  require("unity.client").disconnect()
  T.wait_for(function()
    return fds() == fds0 and threads() == threads0
  end, "fds and threads back to before connecting")
end)

T.test("a reload whose new writer opens before Neovim saw the old one close: still a reconnection", function()
  T.connected_peer()
  local connects = T.counter("UnityConnected")
  T.eq(true, T.call("sim.reload", { keep_open = true }).ok)
  T.wait_for(function()
    return connects() == 1
  end, "UnityConnected for the new domain")
  T.truthy(unity.status().connected)
  T.wait_for(function()
    return all_text():find("reconnected after a script reload", 1, true)
  end, "the reconnection marker")
end)

T.test("its bye lost as well (a full pipe): still a reconnection; a greeting answering ours is none", function()
  T.connected_peer()
  local connects = T.counter("UnityConnected")
  require("unity.client").handle():greet()
  T.call("state") -- the answer (hello again, state) is out before this reply
  T.eq(0, connects(), "hello again from the same domain")
  T.eq(true, T.call("sim.reload", { keep_open = true, bye = false }).ok)
  T.wait_for(function()
    return connects() == 1
  end, "UnityConnected for the new domain, with no bye and no end of stream before it")
  T.truthy(unity.status().connected)
end)

T.test("50 editor restarts in a row: new FIFOs each time, reconnects, no leak", function()
  local dir = T.project()
  local sim = T.start_peer(dir, { "--rate", "200" })
  local fds0, threads0 = fds(), threads() -- with one editor process running, as at the end
  T.connect(dir)
  T.call("state") -- the command pipe's writer thread is part of the steady state
  local fds1, threads1 = fds(), threads()
  for i = 1, 50 do
    local pid = unity.status().pid
    T.stop_peer(sim)
    T.wait_for(function()
      return not unity.status().connected
    end, "disconnection " .. i)
    sim = T.start_peer(dir, { "--rate", "200" })
    T.wait_for(function()
      return unity.status().connected and unity.status().pid ~= pid
    end, "reconnection " .. i)
  end
  T.eq(true, T.call("state").ok, "commands reach the last editor")
  -- The stopped editors' process pipes are closed by libuv a loop turn later.
  T.wait_for(function()
    return fds() == fds1
  end, "file descriptors back to " .. fds1 .. " (now " .. fds() .. ")")
  T.eq(threads1, threads(), "threads after 50 restarts")
  require("unity.client").disconnect()
  T.wait_for(function()
    return fds() == fds0 and threads() == threads0
  end, "fds and threads back to before connecting")
end)

T.test("two Neovims: the second is told who holds the project; :UnityConnect! takes over", function()
  local dir = T.connected_peer()
  local mypid = vim.fn.getpid()
  local res = T.child({
    "local out = {}",
    "vim.notify = function(m) out[#out + 1] = m end",
    "vim.cmd.cd(" .. vim.inspect(dir) .. ")",
    "vim.cmd('UnityConnect')",
    "vim.wait(5000, function() return #out > 0 end)",
    "local id, err, kind = require('unity').send('state')",
    "io.stdout:write('first: ', out[1] or 'nothing', '\\n', 'send: ', tostring(err), '\\n', 'kind: ', tostring(kind), '\\n')",
    "vim.cmd('UnityConnect!')",
    "vim.wait(10000, function() return require('unity').status().connected end)",
    "io.stdout:write('forced: ', tostring(require('unity').status().connected), '\\n')",
    "local got",
    "require('unity').send('sim.log', { count = 3, message = 'for the second' }, function(r) got = r end)",
    "vim.wait(10000, function() return require('unity.log').counts().log >= 3 end)",
    "io.stdout:write('logs: ', require('unity.log').counts().log, '\\n')",
    "vim.cmd('qa!')",
  }, 30000)
  T.eq(0, res.code, "second Neovim exit code; " .. (res.stderr or ""))
  T.contains(res.stdout, "first: unity.nvim: another Neovim (pid " .. mypid .. ") is connected to Unity in", "told who")
  T.contains(res.stdout, ":UnityConnect! takes over", "told what to do")
  T.contains(
    res.stdout,
    "send: another Neovim (pid "
      .. mypid
      .. ") is connected to Unity in "
      .. vim.fn.fnamemodify(dir, ":~")
      .. ": :UnityConnect! takes over",
    "send refused with the same reason"
  )
  T.contains(res.stdout, "kind: locked", "the kind")
  T.contains(res.stdout, "forced: true", "took over")
  T.contains(res.stdout, "logs: 3", "the second one got the logs")
  T.wait_for(function()
    return T.noted("took over the connection to Unity")
  end, "the first one told it was superseded")
  T.eq(false, unity.status().connected, "the first one stopped reading")
end)

T.test("absent, stale or unsafe rendezvous: a clear status, no hang, connects once Unity is really there", function()
  local dir = T.project()
  local nb = dir .. "/Temp/NeovimBridge"
  -- Regular files where the FIFOs should be.
  vim.fn.mkdir(nb, "p", tonumber("700", 8))
  for _, f in ipairs({ "unity-to-nvim", "nvim-to-unity" }) do
    vim.fn.writefile({}, nb .. "/" .. f)
    vim.uv.fs_chmod(nb .. "/" .. f, tonumber("600", 8))
  end
  vim.fn.writefile(
    { vim.json.encode({ protocol = 1, pid = 999999999, unity = "x", project = dir }) },
    nb .. "/session.json"
  )
  T.clear_notes()
  T.connect(dir, false)
  T.wait_for(function()
    return T.noted("is not a FIFO")
  end, "the refusal")
  T.contains(T.noted("is not a FIFO").msg, "Delete the folder", "what to do")
  local _, err = unity.send("state")
  T.contains(err, "is not a FIFO", "send says the same")
  vim.wait(1500)
  local refusals = 0
  for _, n in ipairs(T.notes) do
    if n.msg:find("is not a FIFO", 1, true) then
      refusals = refusals + 1
    end
  end
  T.eq(1, refusals, "a persisting problem is said once")
  -- A folder open to others is refused too.
  vim.uv.fs_chmod(nb, tonumber("755", 8))
  T.wait_for(function()
    return T.noted("accessible by other users")
  end, "the permissions refusal")
  -- Unity arrives: it recreates the folder properly, and the waiting connection goes through.
  T.start_peer(dir)
  T.connected()
  T.eq(true, T.call("state").ok)
end)

T.test("a million-message flood: memory stays bounded, nothing lost uncounted", function()
  local dir = T.project()
  T.start_peer(dir, { "--backlog", "4096" })
  T.connect(dir)
  log.open()
  vim.wait(200)
  collectgarbage()
  local before = rss_mb()
  delivered = 0
  local reply
  unity.send("sim.flood", { count = 1000000 }, function(r)
    reply = r
  end)
  T.wait_for(function()
    return reply
  end, "the flood to be written", 300000)
  local seq = T.call("sim.stats").result.seq
  T.wait_for(function()
    return delivered + unity.status().lost == seq
  end, "every message delivered or counted", 120000)
  collectgarbage()
  local after = rss_mb()
  local lines = vim.api.nvim_buf_line_count(log.buf())
  io.stdout:write(
    string.format(
      "# flood: %d messages, delivered %d, lost %d, RSS %.1f -> %.1f MB (+%.1f), %d buffer lines\n",
      seq,
      delivered,
      unity.status().lost,
      before,
      after,
      after - before,
      lines
    )
  )
  T.truthy(seq >= 1000000, "Unity logged the flood")
  T.truthy(lines <= 11001 * 2, "the buffer is bounded by the history: " .. lines)
  T.truthy(after - before < 200, string.format("RSS growth %.1f MB is bounded", after - before))
end)

T.run()
