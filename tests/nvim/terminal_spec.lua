-- Messages as a user sees them: a real Neovim in a terminal (tmux), no notification plugin,
-- connected to the peer (unity-peer editor). Headless runs show neither of the two ways a message can
-- stop the user: Vim's "Error detected while processing ..." header (an error given inside an
-- autocommand) and the hit-enter prompt (a message longer than the echo area).
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

assert(vim.fn.executable("tmux") == 1, "these specs drive Neovim in tmux: install tmux")

--- A Neovim in a 100x20 tmux window on `dir`, connected to Unity there, with its RPC channel.
---@param dir string
local function terminal(dir)
  local base = vim.fn.tempname()
  local sock, init, socket = base .. ".nvim", base .. "-init.lua", "unity-spec-" .. vim.fn.getpid()
  vim.fn.writefile({
    "vim.opt.rtp:prepend(" .. vim.inspect(T.root) .. ")",
    "vim.cmd.runtime('plugin/unity.lua')",
    "vim.cmd.cd(" .. vim.inspect(dir) .. ")",
    "require('unity').connect()",
  }, init)
  local function tmux(args)
    local res = vim.system(vim.list_extend({ "tmux", "-L", socket }, args), { text = true }):wait()
    T.eq(0, res.code, "tmux " .. args[1] .. ": " .. (res.stderr or ""))
    return res.stdout
  end
  local cmd = string.format(
    "%s --clean --listen %s -c 'luafile %s'",
    vim.fn.shellescape(vim.uv.exepath()),
    vim.fn.shellescape(sock),
    vim.fn.shellescape(init)
  )
  tmux({ "new-session", "-d", "-x", "100", "-y", "20", cmd })
  local chan
  T.defer(function()
    if chan then
      pcall(vim.fn.chanclose, chan)
    end
    vim.system({ "tmux", "-L", socket, "kill-server" }):wait()
  end)
  -- The socket file appears when it is bound, a moment before it listens: until then a connect
  -- is refused.
  T.wait_for(function()
    local ok, c = pcall(vim.fn.sockconnect, "pipe", sock, { rpc = true })
    chan = ok and c or nil
    return chan ~= nil
  end, "the terminal Neovim's socket")
  -- The socket listens before the init file has run: until then unity is not loaded.
  local connected = "local u = package.loaded.unity; return u ~= nil and u.status().connected == true"
  T.wait_for(function()
    return vim.rpcrequest(chan, "nvim_exec_lua", connected, {})
  end, "the terminal Neovim's connection to Unity")

  local t = {}
  --- What the terminal shows.
  function t.screen()
    return tmux({ "capture-pane", "-p" })
  end
  --- Types `keys` (tmux key names) as the user would.
  function t.type(...)
    tmux(vim.list_extend({ "send-keys" }, { ... }))
  end
  --- Waits until the screen shows `text`; then until Neovim has returned to its main loop
  --- (it answers a queued notification) or stopped at a prompt (nothing queued is answered).
  --- Returns the screen and Neovim's mode then.
  function t.settled(text)
    T.wait_for(function()
      return t.screen():find(text, 1, true)
    end, "the screen to show " .. text .. "; it shows:\n" .. t.screen())
    local probe = vim.fn.tempname()
    vim.rpcnotify(chan, "nvim_exec_lua", "vim.fn.writefile({}, ...)", { probe })
    local mode = T.wait_for(function()
      local m = vim.rpcrequest(chan, "nvim_get_mode")
      return (vim.uv.fs_stat(probe) or m.blocking) and m
    end, "the terminal Neovim to settle")
    return t.screen(), mode
  end
  return t
end

--- Asserts that nothing stops the user: no error header, no prompt, Normal mode.
local function not_stopped(what, screen, mode)
  T.eq(nil, screen:find("Error detected while processing", 1, true), what .. ": no error header\n" .. screen)
  T.eq(nil, screen:find("Press ENTER", 1, true), what .. ": no hit-enter prompt\n" .. screen)
  T.eq("n", mode.mode, what .. ": Normal mode, not a prompt\n" .. screen)
end

T.test("a compile with errors: its summary shows as a warning, without error header or prompt", function()
  local dir = T.project()
  vim.fn.writefile({ "class Bad {", "#error not yet", "}" }, dir .. "/Assets/Scripts/Bad.cs")
  T.start_peer(dir)
  local t = terminal(dir)
  t.type(":UnityCompile", "Enter")
  local screen, mode = t.settled("Unity compiled in")
  T.contains(screen, "1 error", "the summary")
  not_stopped("the compile summary", screen, mode)
end)

T.test("play and stop say what Unity did; a long message is cut, :UnityMessages shows it whole", function()
  local dir = T.project()
  T.start_peer(dir)
  local t = terminal(dir)
  t.type(":UnityPlay!", "Enter")
  not_stopped("play", t.settled("Unity entered play mode"))
  t.type(":UnityStop", "Enter")
  not_stopped("stop", t.settled("Unity left play mode"))
  -- The refusal is longer than the echo area.
  vim.fn.writefile({ "#error not yet" }, dir .. "/Assets/Scripts/Bad.cs")
  t.type(":UnityPlay", "Enter")
  local screen, mode = t.settled("… :UnityMessages")
  T.contains(screen, "play mode not entered", "the refusal's start")
  not_stopped("the refusal", screen, mode)
  t.type(":UnityMessages", "Enter")
  screen = t.settled("1 compile error (:copen lists them); fix them")
  T.contains(screen, "unity.nvim: Unity left play mode", "earlier messages too")
end)

T.run()
