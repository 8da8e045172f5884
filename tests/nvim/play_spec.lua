-- :UnityPlay against the real package in the stand-in editor (one for the whole file): it
-- saves, refreshes, waits for the compile and its script reload, and plays only after a clean
-- compile; :UnityPlay! plays at once. Against the peer (unity-peer editor, whose compile and
-- reload take as long as a test says): an older package without the refresh result, and the
-- wait ending on a quit, a crash, a reload that does not come back, or a timeout, each saying so.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local unity = require("unity")

local output

--- The shared host's project, connected and settled.
local function connected_host()
  local dir
  dir, output = T.connect_shared()
  return dir
end

--- AssetDatabase.Refresh passes of the host so far (each prints one "[host] refresh done:").
local function refreshes()
  return select(2, output():gsub("%[host%] refresh done:", ""))
end

--- A fresh project with the peer on it, connected; `extra` its options.
local function connected_peer(extra)
  local dir = T.project()
  local peer = T.start_peer(dir, extra)
  T.connect(dir)
  return dir, peer
end

--- Options for one test; the defaults again after it, and no wait left over.
local function setup(opts)
  unity.setup(opts)
  T.clear_notes()
  T.defer(function()
    require("unity.play").cancel()
    unity.setup({})
  end)
end

--- A buffer of `file` holding `lines`, modified and not written.
local function edit(file, lines)
  vim.cmd.edit(file)
  vim.api.nvim_buf_set_lines(0, 0, -1, false, lines)
end

--- Notes whose text contains `text`.
local function said(text)
  return #vim.tbl_filter(function(n)
    return n.msg:find(text, 1, true) ~= nil
  end, T.notes)
end

--- The User events of the connection and the commands sent ("send play"), in order, from now on.
local function record()
  local seen = {}
  local client = require("unity.client")
  local send = client.send
  client.send = function(name, ...)
    seen[#seen + 1] = "send " .. name
    return send(name, ...)
  end
  T.defer(function()
    client.send = send
  end)
  for _, pattern in ipairs({ "UnityCompileFinished", "UnityBye", "UnityConnected", "UnityState" }) do
    vim.api.nvim_create_autocmd("User", {
      pattern = pattern,
      callback = function(a)
        if pattern ~= "UnityState" or a.data.entered_play then
          seen[#seen + 1] = pattern == "UnityState" and "entered_play" or pattern
        end
      end,
    })
  end
  return seen
end

local function waiting()
  return require("unity.play").waiting()
end

T.test("plays after the compile succeeded, in the domain the reload brings", function()
  setup({ play_timeout_ms = 60000 })
  local dir = connected_host()
  local seen = record()
  local file = dir .. "/Assets/Scripts/Good.cs"
  edit(file, { "class Good {}" })
  vim.cmd("UnityPlay")
  T.truthy(waiting(), "waiting for the compile")
  T.eq({ "class Good {}" }, vim.fn.readfile(file), "the buffer was written")
  T.eq(false, vim.bo.modified, "the buffer is no longer modified")
  T.wait_for(function()
    return unity.status().playing
  end, "play mode", 60000)
  -- The package sends a good compile's summary after the reload it brings (and entering play
  -- mode reloads the domain again): the summary is left out, the events after `play` are Unity's.
  local play_at = vim.fn.index(seen, "send play")
  T.truthy(vim.list_contains(vim.list_slice(seen, 1, play_at), "UnityCompileFinished"), "compiled before play")
  local events = vim.tbl_filter(function(e)
    return e ~= "UnityCompileFinished"
  end, seen)
  T.eq(
    { "send refresh", "UnityBye", "UnityConnected", "send play" },
    vim.list_slice(events, 1, 4),
    "play asked for after the reload: " .. vim.inspect(events)
  )
  T.eq("entered_play", events[#events], "play mode entered: " .. vim.inspect(events))
  T.eq(false, waiting(), "the wait is over")
  T.eq(1, said("play mode follows"), "said that it compiles first")
  T.eq(0, said("play mode not entered"), "no refusal")
end)

T.test("refuses after a compile with errors: quickfix filled, one message, no play", function()
  setup({ play_timeout_ms = 60000 })
  local dir = connected_host()
  edit(dir .. "/Assets/Scripts/Bad.cs", { "class Bad {", '  int bad = "not yet";', "}" })
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return not waiting()
  end, "the end of the wait", 60000)
  T.eq(1, said("play mode not entered: the scripts have 1 compile error"), "the refusal")
  local qf = vim.fn.getqflist({ title = 0, items = 0 })
  T.eq("Unity compile", qf.title, "quickfix title")
  T.eq(2, qf.items[1].lnum, "the error's line")
  vim.wait(800)
  T.eq(false, unity.status().playing, "play mode")
  T.eq(1, said("play mode not entered"), "messages about the refusal")
  -- Nothing changed since: Unity would still refuse, and so does :UnityPlay, without a compile.
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return not waiting()
  end, "the end of the second wait", 60000)
  T.eq(2, said("play mode not entered: the scripts have 1 compile error"), "the second refusal")
  T.eq(false, unity.status().playing, "play mode after the second try")
end)

T.test("an older package (no refresh result) is waited for through its compile state", function()
  setup({ play_timeout_ms = 20000 })
  local dir = connected_peer({ "--compile-ms", "200" })
  edit(dir .. "/Assets/Scripts/Old.cs", { "#error from an old package" })
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return not waiting()
  end, "the end of the wait")
  T.eq(1, said("play mode not entered: the scripts have 1 compile error"), "the refusal")
  T.eq(false, unity.status().playing, "play mode")
end)

T.test("with nothing to compile it plays at once; :UnityPlay! neither saves nor refreshes", function()
  setup({})
  local dir = connected_host()
  local before = refreshes()
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return unity.status().playing
  end, "play mode without a compile", 60000)
  T.eq(before + 1, refreshes(), "refreshes")
  T.call("stop")
  T.wait_for(function()
    return unity.status().connected and not unity.status().playing
  end, "play mode left", 60000)
  edit(dir .. "/Assets/Scripts/Unsaved.cs", { "#error unsaved" })
  vim.cmd("UnityPlay!")
  T.wait_for(function()
    return unity.status().playing
  end, "play mode at once", 60000)
  T.eq(true, vim.bo.modified, "the buffer is still modified")
  T.eq(before + 1, refreshes(), "refreshes after :UnityPlay!")
  T.eq(0, said("compiling"), "no compile said")
  T.call("stop")
  T.wait_for(function()
    return unity.status().connected and not unity.status().playing
  end, "play mode left", 60000)
  vim.api.nvim_feedkeys(vim.keycode("<Plug>(unity-play-now)"), "x", false)
  T.wait_for(function()
    return unity.status().playing
  end, "play mode at once through <Plug>(unity-play-now)", 60000)
  T.eq(before + 1, refreshes(), "<Plug>(unity-play-now) does not refresh")
  vim.cmd("bwipeout!")
end)

T.test("play, pause, step and stop each say what Unity did, or that there was nothing to do", function()
  setup({})
  connected_host()
  local texts = {
    { "UnityStop", "Unity is not in play mode: nothing to stop" },
    { "UnityPlay!", "Unity entered play mode" },
    { "UnityPlay!", "Unity is already in play mode" },
    { "UnityPause", "Unity paused play mode" },
    { "UnityPause", "Unity resumed play mode" },
    { "UnityStep", "Unity advanced one frame (paused)" },
    { "UnityStop", "Unity left play mode" },
    { "UnityStep", "Unity is not in play mode: nothing to step" },
  }
  for _, t in ipairs(texts) do
    vim.cmd(t[1])
    T.wait_for(function()
      return said(t[2]) == 1
    end, ":" .. t[1] .. " to say " .. t[2] .. ": " .. vim.inspect(T.notes), 60000)
  end
  for _, t in ipairs(texts) do
    T.eq(1, said(t[2]), "said once: " .. t[2])
  end
end)

T.test("play_saves = false leaves buffers alone; buffers outside the project are never written", function()
  setup({ play_saves = false })
  local dir = connected_host()
  local outside = vim.fn.tempname() .. ".cs"
  edit(outside, { "outside" })
  T.defer(function()
    vim.cmd("bwipeout! " .. vim.fn.fnameescape(outside))
  end)
  edit(dir .. "/Assets/Scripts/Kept.cs", { "#error never saved" })
  T.defer(function()
    vim.cmd("bwipeout! " .. vim.fn.fnameescape(dir .. "/Assets/Scripts/Kept.cs"))
  end)
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return unity.status().playing
  end, "play mode", 60000)
  T.eq(0, vim.fn.filereadable(dir .. "/Assets/Scripts/Kept.cs"), "the project's buffer was not written")
  T.eq(0, vim.fn.filereadable(outside), "the buffer outside was not written")
end)

T.test("the wait ends when Unity quits, and when it vanishes and does not come back", function()
  setup({ play_reconnect_ms = 300 })
  local dir, sim = connected_peer({ "--compile-ms", "60000" })
  edit(dir .. "/Assets/Scripts/Slow.cs", { "class Slow {}" })
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return said("play mode follows") == 1
  end, "the compile")
  T.stop_peer(sim)
  T.wait_for(function()
    return not waiting()
  end, "the end of the wait")
  T.eq(1, said("Unity quit while :UnityPlay waited"), "the quit message")

  -- A crash: no bye, the connection just closes.
  sim = T.start_peer(dir, { "--compile-ms", "60000" })
  T.connected()
  edit(dir .. "/Assets/Scripts/Slow.cs", { "class Slow { int crash; }" })
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return said("play mode follows") == 2
  end, "the second compile")
  sim:kill("sigkill")
  sim:wait(10000)
  T.wait_for(function()
    return not waiting()
  end, "the end of the second wait")
  T.eq(1, said("did not come back within 0.3 s"), "the disconnect message")
  T.eq(false, unity.status().playing, "play mode")
end)

T.test("the wait ends on a timeout, and on a reload that does not come back", function()
  setup({ play_timeout_ms = 300, play_reconnect_ms = 300 })
  local dir = connected_peer({ "--compile-ms", "60000" })
  edit(dir .. "/Assets/Scripts/Slow.cs", { "class Slow {}" })
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return not waiting()
  end, "the end of the wait")
  T.eq(1, said("compile did not finish within 0.3 s"), "the timeout message")
  T.eq(false, unity.status().playing, "play mode")

  local dir2 = connected_peer({ "--compile-ms", "50", "--reload-ms", "60000" })
  edit(dir2 .. "/Assets/Scripts/Reload.cs", { "class Reload {}" })
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return not waiting()
  end, "the end of the second wait")
  T.eq(1, said("reloaded its scripts after the compile and did not come back within 0.3 s"), "the reload message")
end)

T.run()
