-- The log window: layout, folds, filters, scopes, collapse, history, jumping to the code.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local log = require("unity.log")

local seq = 0
local function entry(level, message, stack)
  seq = seq + 1
  return { seq = seq, time = 1700000000000 + seq, level = level, message = message, stack = stack }
end

local function press(keys)
  vim.api.nvim_feedkeys(vim.keycode(keys), "x", false)
end

local function lines()
  return vim.api.nvim_buf_get_lines(log.buf(), 0, -1, false)
end

--- The floating window of this tab page, if any.
local function float_win()
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_config(w).relative ~= "" then
      return w
    end
  end
end

local function headers()
  return vim.tbl_filter(function(l)
    return l:sub(1, 1) ~= " "
  end, lines())
end

--- A fresh log window in a fresh tab, the editor window above it.
local function fresh(opts)
  require("unity").setup(opts or {})
  package.loaded["unity.log"], package.loaded["unity.log.view"] = nil, nil
  pcall(vim.api.nvim_buf_delete, vim.fn.bufnr("unity://log"), { force = true })
  -- Wired again, so that the client drains into the fresh log's history.
  package.loaded["unity.wiring"] = nil
  require("unity.wiring")
  log = require("unity.log")
  vim.cmd("tabnew")
  log.open()
  return vim.api.nvim_get_current_win()
end

T.test("one header per entry; <Tab> shows the body and stack beneath it", function()
  local win = fresh()
  log.append({
    entry("log", "plain"),
    entry(
      "exception",
      "NullReferenceException: boom\nsecond line",
      "Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)\nUnityEngine.Loop:Tick () (at <abc>:0)"
    ),
    entry("log", "last", "A:B ()"),
  })
  local l = lines()
  T.eq(3, #l, "one line per entry: " .. vim.inspect(l))
  T.truthy(l[1]:match("^%d%d:%d%d:%d%d%.%d%d%d LOG  plain$"), "header 1: " .. l[1])
  T.truthy(l[2]:match("EXC  NullReferenceException: boom$"), "header 2: " .. l[2])
  vim.api.nvim_win_set_cursor(win, { 2, 0 })
  press("<Tab>")
  l = lines()
  T.eq(6, #l, "expanded")
  T.eq("  second line", l[3])
  T.eq("    Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)", l[4])
  T.contains(l[6], "LOG  last")
  vim.api.nvim_win_set_cursor(win, { 4, 0 })
  press("<Tab>")
  T.eq(3, #lines(), "<Tab> on a body line hides it again")
  T.eq(2, vim.api.nvim_win_get_cursor(win)[1], "cursor back on the header")
  vim.api.nvim_win_set_cursor(win, { 1, 0 })
  press("<Tab>")
  T.eq(3, #lines(), "nothing to show under a one-line entry")
  press("zR")
  T.eq(7, #lines(), "zR expands everything")
  log.append({ entry("warning", "new", "C:D ()") })
  T.eq(9, #lines(), "new entries come expanded too")
  press("zM")
  T.eq(4, #lines(), "zM: headers only")
end)

T.test("rich text, control characters and escapes never reach the buffer; long lines are cut", function()
  fresh({ log = { max_line = 80 } })
  log.append({
    entry("log", "\27[31mred\27[0m <b>bold</b> <color=#ff0000>hot</color> <size=20>big</size>\r\tX\0Y\7"),
    entry("warning", string.rep("é", 200)),
  })
  local l = lines()
  T.eq(2, #l)
  T.truthy(not l[1]:find("[%z\1-\31\127]"), "no control characters: " .. vim.inspect(l[1]))
  T.truthy(l[1]:find("red bold hot big", 1, true), "tags removed: " .. l[1])
  T.truthy(#l[2] < 140 and l[2]:find("more bytes, K shows all", 1, true), "cut: " .. l[2])
  T.truthy(vim.fn.strchars(l[2]) > 0 and vim.str_utfindex(l[2], "utf-16") ~= nil, "still valid UTF-8")
  vim.api.nvim_win_set_cursor(0, { 2, 0 })
  press("K")
  local float = float_win()
  T.truthy(float, "K opened a float")
  local text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), "")
  T.eq(string.rep("é", 200), text, "the whole message")
  vim.api.nvim_win_close(float, true)
end)

T.test("level filters, counts in the window bar, text filter that stays, clear", function()
  local win = fresh()
  log.append({
    entry("log", "spawned enemy"),
    entry("warning", "slow frame"),
    entry("error", "Enemy missing"),
    entry("assert", "assert failed"),
    entry("log", "score"),
  })
  T.contains(vim.wo[win].winbar, "E 2", "error count")
  T.contains(vim.wo[win].winbar, "W 1", "warning count")
  T.contains(vim.wo[win].winbar, "L 2", "log count")
  press("L")
  T.eq(3, #headers(), "logs hidden")
  T.contains(vim.wo[win].winbar, "l 2", "hidden level shown lower-case")
  press("W")
  T.eq(2, #headers(), "warnings hidden")
  press("L")
  press("W")
  T.eq(5, #headers(), "all back")

  log.set_filter({ text = "enemy" })
  T.eq(2, #headers(), "case-insensitive text filter")
  log.append({ entry("log", "another ENEMY"), entry("log", "unrelated") })
  T.eq(3, #headers(), "the filter applies to new entries")
  T.contains(vim.wo[win].winbar, "filter: enemy", "filter shown")
  log.set_filter({ text = "Enemy" })
  T.eq(1, #headers(), "capitals make it case-sensitive")
  press("F")
  T.eq(7, #headers(), "F clears the filter")

  press("C")
  T.eq({ "" }, lines(), "cleared")
  T.eq({ error = 0, warning = 0, log = 0 }, log.counts(), "counts cleared")
  T.contains(vim.wo[win].winbar, "E 0", "bar cleared")
end)

T.test("scopes: since last compile, since last play", function()
  fresh()
  log.append({ entry("log", "before") })
  log.mark("compile")
  log.append({ entry("log", "after compile") })
  log.mark("play")
  log.append({ entry("log", "after play") })
  press("S")
  T.eq("compile", log.filter().scope)
  local h = headers()
  T.eq(2, #h, "since compile")
  T.contains(h[1], "after compile")
  press("S")
  T.eq(1, #headers(), "since play")
  press("S")
  T.eq(3, #headers(), "everything")
end)

T.test("clear on play and on compile when asked", function()
  fresh({ log = { clear_on_play = true } })
  log.append({ entry("log", "old") })
  log.mark("compile")
  T.eq(1, #headers(), "compile does not clear")
  log.mark("play")
  T.eq({ "" }, lines(), "play clears")
end)

T.test("collapse: identical entries become one line with a count", function()
  fresh()
  local same = function()
    return entry("warning", "Texture has no mipmaps", "Game.T:A () (at Assets/T.cs:9)")
  end
  log.append({ same(), entry("log", "other"), same(), same() })
  T.eq(4, #headers())
  press("c")
  local h = headers()
  T.eq(2, #h, "collapsed")
  T.contains(h[1], "Texture has no mipmaps  (×3)", "count")
  log.append({ same() })
  T.contains(headers()[1], "(×4)", "a new copy raises the count in place")
  T.eq(2, #headers())
  press("c")
  T.eq(5, #headers(), "uncollapsed")
end)

T.test("bounded history: the oldest leave with one marker line, counts stay right", function()
  fresh({ history = 100 })
  for i = 1, 30 do
    local batch = {}
    for j = 1, 100 do
      batch[j] = entry(j % 10 == 0 and "error" or "log", "m" .. (i * 100 + j))
    end
    log.append(batch)
  end
  local l = lines()
  T.truthy(#l <= 111 and #l >= 100, "lines bounded: " .. #l)
  T.truthy(l[1]:match("^── %d+ older entries left the history ──$"), "marker: " .. l[1])
  local removed = tonumber(l[1]:match("(%d+) older"))
  T.eq(3000, removed + #l - 1, "every entry either shown or counted as gone")
  local c = log.counts()
  T.eq(#l - 1, c.error + c.log, "counts match what is kept")
  T.contains(l[#l], "m3100", "newest last")
end)

T.test("a flood of 100 000 entries keeps the buffer bounded", function()
  fresh()
  local batch = {}
  for i = 1, 100000 do
    batch[#batch + 1] =
      entry(i % 50 == 0 and "warning" or "log", "flood " .. i, i % 5 == 0 and "A:B () (at Assets/A.cs:1)" or nil)
    if #batch == 2000 then
      log.append(batch)
      batch = {}
    end
  end
  local n = vim.api.nvim_buf_line_count(log.buf())
  T.truthy(n <= 10000 + 100 + 1, "lines bounded by the history: " .. n)
  T.contains(lines()[n], "flood 100000", "newest at the bottom")
  T.eq(10000, log.counts().log + log.counts().warning, "history capped")
end)

T.test("a change of many edits keeps a window where the user was, and the tail followed", function()
  local win = fresh()
  vim.cmd("split")
  local tail = vim.api.nvim_get_current_win()
  local batch = {}
  for i = 1, 1000 do
    batch[i] = entry(i % 20 == 0 and "error" or "log", "row " .. i)
  end
  log.append(batch)
  local function under(w)
    return vim.api.nvim_buf_get_lines(
      log.buf(),
      vim.api.nvim_win_get_cursor(w)[1] - 1,
      vim.api.nvim_win_get_cursor(w)[1],
      false
    )[1]
  end
  vim.api.nvim_win_set_cursor(win, { 510, 0 })
  log.toggle_level("error") -- 50 single-row deletions, far apart
  T.eq(950, vim.api.nvim_buf_line_count(log.buf()))
  T.contains(under(win), "LOG  row 510", "the window that moved up stays on its line")
  T.eq(485, vim.api.nvim_win_get_cursor(win)[1])
  T.eq(950, vim.api.nvim_win_get_cursor(tail)[1], "the window at the tail stays there")
  vim.api.nvim_win_set_cursor(win, { 20, 0 }) -- "row 21"
  log.toggle_level("error")
  T.contains(under(win), "LOG  row 21", "and when the lines come back")
end)

T.test("the window follows the tail unless the user moved up", function()
  local win = fresh()
  log.append({ entry("log", "a"), entry("log", "b") })
  T.eq(2, vim.api.nvim_win_get_cursor(win)[1])
  log.append({ entry("log", "c") })
  T.eq(3, vim.api.nvim_win_get_cursor(win)[1], "followed")
  vim.api.nvim_win_set_cursor(win, { 1, 0 })
  log.append({ entry("log", "d") })
  T.eq(1, vim.api.nvim_win_get_cursor(win)[1], "stayed where the user went")
end)

T.test("<CR> opens the source: frames, compiler lines, absolute paths, first existing frame", function()
  local dir = T.project()
  vim.cmd.cd(dir)
  for _, f in ipairs({ "Player.cs", "Enemy.cs" }) do
    local body = {}
    for i = 1, 50 do
      body[i] = "// " .. f .. " line " .. i
    end
    vim.fn.writefile(body, dir .. "/Assets/Scripts/" .. f)
  end
  vim.fn.mkdir(dir .. "/Packages/com.game.core", "p")
  vim.fn.writefile({ "a", "b", "c" }, dir .. "/Packages/com.game.core/Core.cs")
  local win = fresh()
  local editor = vim.fn.win_getid(vim.fn.winnr("#"))
  log.append({
    entry(
      "error",
      "NullReferenceException",
      table.concat({
        "UnityEngine.Object:Internal () (at <deadbeef>:0)",
        "Game.Missing:Gone () (at Assets/Scripts/Missing.cs:5)",
        "Game.Enemy:Update () (at Assets/Scripts/Enemy.cs:42)",
        "Game.Player:Start () (at ./Assets/Scripts/Player.cs:14)",
      }, "\n")
    ),
    entry("error", "Assets/Scripts/Player.cs(7,5): error CS0103: The name 'x' does not exist"),
    entry("log", "from a package", "Core:Run () (at Packages/com.game.core/Core.cs:2)"),
    entry("exception", "System.Exception: x\n  at Game.Player.Fire () in " .. dir .. "/Assets/Scripts/Player.cs:33"),
    entry("log", "nowhere", "X:Y () (at Assets/None.cs:1)"),
  })
  local function jump(row)
    vim.api.nvim_set_current_win(win)
    vim.api.nvim_win_set_cursor(win, { row, 0 })
    press("<CR>")
    local w = vim.api.nvim_get_current_win()
    return vim.fn.fnamemodify(vim.api.nvim_buf_get_name(0), ":t"), vim.api.nvim_win_get_cursor(w)[1], w
  end
  local name, line, w = jump(1)
  T.eq({ "Enemy.cs", 42 }, { name, line }, "header: the first frame whose file exists")
  T.eq(editor, w, "opened in the previous window")
  press("zR") -- no-op outside the log; just keep going
  vim.api.nvim_set_current_win(win)
  press("zR")
  name, line = jump(5)
  T.eq({ "Player.cs", 14 }, { name, line }, "a stack line: that frame (./ prefix)")
  name, line = jump(6)
  local l6 = vim.api.nvim_buf_get_lines(log.buf(), 5, 6, false)[1]
  T.eq({ "Player.cs", 7 }, { name, line }, "compiler line on the header: " .. l6)
  T.eq(4, vim.api.nvim_win_get_cursor(0)[2], "column")
  name, line = jump(7)
  T.eq({ "Core.cs", 2 }, { name, line }, "Packages/ path")
  name, line = jump(9)
  T.eq({ "Player.cs", 33 }, { name, line }, "' in /abs/path:line'")
  T.clear_notes()
  vim.api.nvim_set_current_win(win)
  local rows = vim.api.nvim_buf_line_count(log.buf())
  vim.api.nvim_win_set_cursor(win, { rows - 1, 0 })
  press("<CR>")
  T.eq(win, vim.api.nvim_get_current_win(), "stayed in the log")
  T.truthy(T.noted("no source file"), "said why")
end)

T.test("Q sends errors (or the filtered entries) to the quickfix list", function()
  local dir = T.project()
  vim.cmd.cd(dir)
  vim.fn.writefile({ "x", "y", "z" }, dir .. "/Assets/Scripts/A.cs")
  fresh()
  log.append({
    entry("error", "first error", "A:B () (at Assets/Scripts/A.cs:2)"),
    entry("warning", "a warning", "A:B () (at Assets/Scripts/A.cs:3)"),
    entry("log", "a log"),
    entry("exception", "no frame"),
  })
  press("Q")
  local qf = vim.fn.getqflist({ title = 0, items = 0 })
  T.eq("Unity log", qf.title)
  T.eq(2, #qf.items, "errors only when unfiltered")
  T.eq(2, qf.items[1].lnum)
  T.eq("first error", qf.items[1].text)
  T.eq(0, qf.items[2].valid, "an entry without a location is listed, not jumpable")
  log.toggle_level("error")
  press("Q")
  qf = vim.fn.getqflist({ items = 0 })
  T.eq(2, #qf.items, "with a filter: what passes it (warning and log)")
end)

T.test("g? lists the keys; float position; toggling", function()
  fresh({ log = { position = "float" } })
  T.truthy(vim.api.nvim_win_get_config(0).relative ~= "", "a floating log window")
  press("g?")
  local help
  for _, w in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    local b = vim.api.nvim_win_get_buf(w)
    if b ~= log.buf() and vim.api.nvim_win_get_config(w).relative ~= "" then
      help = table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), "\n")
    end
  end
  T.contains(help, "open the source of this line", "help text")
  T.contains(help, "collapse identical entries", "help text")
  fresh({ log = { position = "right", size = 60 } })
  T.eq(60, vim.api.nvim_win_get_width(0))
  local n = #vim.api.nvim_tabpage_list_wins(0)
  require("unity").toggle_log()
  T.eq(n - 1, #vim.api.nvim_tabpage_list_wins(0), "toggled closed")
  require("unity").toggle_log()
  T.eq(n, #vim.api.nvim_tabpage_list_wins(0), "toggled open")
end)

T.test("end to end: streamed entries, UnityLog events, statusline", function()
  local dir = T.project()
  T.start_peer(dir)
  vim.cmd.cd(dir)
  fresh()
  local batches = 0
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityLog",
    callback = function(a)
      batches = batches + #a.data
    end,
  })
  T.connect(dir)
  T.call("sim.log", { count = 20, level = "error", message = "boom" })
  T.wait_for(function()
    return log.counts().error == 20
  end, "20 errors")
  T.eq(20, batches, "UnityLog events carried every entry")
  T.contains(require("unity").statusline(), "Unity ●", "statusline")
  T.call("play")
  T.wait_for(function()
    return require("unity").statusline():find("▶", 1, true)
  end, "playing in the statusline")
end)

--- The highlight group at (row, byte col), both 1-based.
local function group_at(row, col)
  return vim.fn.synIDattr(vim.fn.synID(row, col, 1), "name")
end

T.test("a configured look: labels, clock, indents, count and marker, highlighted alike", function()
  vim.cmd("syntax on")
  local win = fresh({
    history = 4,
    log = {
      look = {
        labels = { error = "E!", log = "L" },
        clock = "[%M:%S]",
        stack_indent = " | ",
        count = " x%d",
        marker = ">> %s <<",
      },
    },
  })
  log.append({ entry("error", "boom", "Game.A:B () (at Assets/A.cs:1)"), entry("log", "same"), entry("log", "same") })
  local l = lines()
  T.truthy(l[1]:match("^%[%d%d:%d%d%] E! boom$"), "header: " .. l[1])
  T.truthy(l[2]:match("^%[%d%d:%d%d%] L same$"), "header: " .. l[2])
  vim.api.nvim_win_set_cursor(win, { 1, 0 })
  press("<Tab>")
  T.eq(" | Game.A:B () (at Assets/A.cs:1)", lines()[2], "stack indent")
  press("c")
  T.truthy(lines()[3]:match(" L same x2$"), "count: " .. lines()[3])
  log.append({ entry("warning", "w1"), entry("warning", "w2") })
  l = lines()
  T.eq(">> 1 older entry left the history <<", l[1], "marker")
  T.eq("UnityLogMarker", group_at(1, 1))
  -- The rows now: marker, L same x2, w1, w2; expand nothing more.
  T.eq("UnityLogTime", group_at(2, 1), "clock")
  T.eq("UnityLogLog", group_at(2, 9), "label L")
  T.eq("UnityLogCount", group_at(2, #lines()[2]), "count")
  T.eq("UnityLogWarning", group_at(3, 9), "WARN label")
  log.append({ entry("error", "again", "X:Y () (at Assets/B.cs:2)") })
  local row = #lines()
  vim.api.nvim_win_set_cursor(win, { row, 0 })
  press("<Tab>")
  T.eq("UnityLogError", group_at(row, 9), "E! label")
  T.eq("UnityLogStack", group_at(row + 1, 2), "stack line")
  T.eq("UnityLogLocation", group_at(row + 1, #lines()[row + 1] - 3), "location in the frame")
end)

T.test("log.filter_entry and log.format_entry run on full renders only", function()
  local calls = 0
  fresh({
    log = {
      filter_entry = function(e)
        calls = calls + 1
        return not e.message:find("noise", 1, true)
      end,
      format_entry = function(e)
        return e.level == "error" and ("!! " .. e.message .. "\n(two lines)") or nil
      end,
    },
  })
  calls = 0
  log.append({ entry("log", "noise 1"), entry("error", "bad"), entry("log", "fine") })
  T.eq(3, #lines(), "appended as they come")
  T.eq(0, calls, "no hook per message")
  press("W") -- hide warnings: a change, so a full render
  T.eq(3, calls, "one call per entry passing the filter")
  T.eq({ "!! bad (two lines)" }, { lines()[1] }, "formatted, cleaned to one line")
  T.contains(lines()[2], "LOG  fine")
  T.eq(2, #lines(), "filtered")
  log.append({ entry("log", "noise 2") })
  T.eq(3, calls)
  T.contains(lines()[3], "noise 2", "until the next full render")
  require("unity.config").options.log.format_entry = function()
    error("hook broke")
  end
  T.clear_notes()
  press("W")
  T.truthy(T.noted("hook broke"), "a failing hook is reported")
  T.eq(4, #lines(), "and the log shown without it")
end)

T.test("K shows the whole entry, drawn in Lua; the cut mark names the key", function()
  fresh({ log = { max_line = 60, keys = { show_full = "gK" } } })
  log.append({
    entry("error", string.rep("x", 100) .. "\nsecond <b>line</b>", "Game.A:B () (at Assets/A.cs:1)\n\tC:D ()"),
  })
  T.contains(lines()[1], "more bytes, gK shows all)", "the configured key")
  press("gK")
  local float = float_win()
  T.truthy(float, "gK opened a float")
  T.eq(
    { string.rep("x", 100), "second line", "", "Game.A:B () (at Assets/A.cs:1)", "    C:D ()" },
    vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false),
    "message, blank line, stack"
  )
  vim.api.nvim_win_close(float, true)
  fresh({ log = { max_line = 60, keys = { show_full = false } } })
  log.append({ entry("log", string.rep("y", 100)) })
  T.truthy(lines()[1]:match("… %(%d+ more bytes%)$"), "no key, no mention: " .. lines()[1])
end)

T.test("header strings kept for showing again: released with their entries; edits equal a full render", function()
  fresh({ history = 20 })
  local view = require("unity.log.view")
  local function check(what)
    local incremental = lines()
    log.book():render()
    view.reshow(log.book())
    T.eq(false, log.reshowing(), "20 entries are shown in one slice")
    T.eq(lines(), incremental, what .. ": the edits left what a full render shows")
    T.truthy(log.book():stats().strings <= 20, what .. ": at most one string per entry kept")
  end
  local changes = {
    function()
      log.toggle_level("log")
    end,
    log.toggle_collapse,
    function()
      log.set_filter({ text = "m 1" })
    end,
    function()
      log.set_filter({ text = false })
    end,
  }
  -- 80 entries through 20 slots, a change after each chunk: slots are taken over by newer
  -- entries, some while hidden.
  for round = 1, 8 do
    local chunk = {}
    for i = 1, 10 do
      chunk[i] = entry(i % 4 == 0 and "warning" or "log", "m " .. (round * 10 + i) % 7)
    end
    log.append(chunk)
    check("round " .. round)
    changes[round % #changes + 1]()
    check("round " .. round .. ", changed")
  end
  if log.book():collapsing() then
    log.toggle_collapse()
  end
  log.set_filter({ levels = { log = true, warning = true }, text = false })
  log.append({ entry("log", "appended") })
  T.eq(19, log.book():stats().strings, "an appended line's string is not kept (the flood's path)")
  check("appended")
  T.eq(20, log.book():stats().strings, "a full render keeps every entry's string")
  log.set_filter({ levels = { warning = false } })
  local hidden = {}
  for i = 1, 20 do
    hidden[i] = entry("warning", "hidden " .. i)
  end
  log.append(hidden)
  T.eq(0, log.book():stats().strings, "entries trimmed while the new ones are hidden: no string kept")
  log.set_filter({ levels = { warning = true } })
  T.eq(20, log.book():stats().strings, "shown again by a change: kept")
  check("after")
end)

T.test("a change on a long history is shown in slices, newest entries first; rows map to entries throughout", function()
  local win = fresh({ history = 100000 })
  local chunk = {}
  for i = 1, 100000 do
    chunk[#chunk + 1] = entry(i % 10 == 0 and "warning" or "log", "m " .. i)
    if #chunk == 5000 then
      log.append(chunk)
      chunk = {}
    end
  end
  T.wait_for(function()
    return not log.reshowing()
  end, "the history shown")
  local book = log.book()
  local function row_is_its_entry(row)
    local id = book:entry_at(row)
    local e = book:get(id)
    T.truthy(lines()[row]:sub(-#e.message - 1) == " " .. e.message, row .. ": " .. lines()[row] .. " / " .. e.message)
  end
  vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(log.buf()), 0 })
  vim.cmd("split")
  local mid = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_cursor(mid, { 50000, 0 })
  local function under(w)
    local row = vim.api.nvim_win_get_cursor(w)[1]
    return vim.api.nvim_buf_get_lines(log.buf(), row - 1, row, false)[1]
  end
  T.contains(under(mid), "WARN m 50000", "a window in the middle")
  vim.api.nvim_set_current_win(win)

  log.toggle_level("log")
  T.truthy(log.reshowing(), "100 000 entries take more than one slice")
  local l = lines()
  T.truthy(l[#l]:match("WARN m 100000$"), "the tail shows the change at once: " .. l[#l])
  T.truthy(l[#l - 1]:match("WARN m 99990$"), "logs gone from the tail: " .. l[#l - 1])
  T.eq(#l, vim.api.nvim_win_get_cursor(win)[1], "the window follows the tail")
  local stale
  for i, line in ipairs(l) do
    if line:match(" LOG  m %d+$") then
      stale = i
      break
    end
  end
  T.truthy(stale, "some older entries show as before for now")
  row_is_its_entry(stale)
  row_is_its_entry(#l)
  vim.api.nvim_win_set_cursor(win, { stale, 0 })
  T.eq(l[stale]:match("m %d+$"), log.current().message, "the entry under the cursor, mid-change")
  T.wait_for(function()
    return not log.reshowing()
  end, "the change shown")
  T.contains(under(mid), "WARN m 50000", "the window in the middle stays on its entry")
  T.eq(5000, vim.api.nvim_win_get_cursor(mid)[1])
  log.toggle_level("log")
  T.wait_for(function()
    return not log.reshowing()
  end, "logs shown again")
  T.contains(under(mid), "WARN m 50000", "and when the logs come back")
  log.toggle_level("log")

  -- Keys and timers run between slices; entries arriving and another change mid-way are
  -- shown as well.
  local ticks, timer = 0, assert(vim.uv.new_timer())
  timer:start(0, 1, function()
    ticks = ticks + 1
  end)
  vim.wait(20, function()
    return false
  end)
  log.append({ entry("log", "new log"), entry("warning", "new warning") })
  log.set_filter({ text = "m 1" })
  T.wait_for(function()
    return not log.reshowing()
  end, "the change shown")
  timer:stop()
  timer:close()
  T.truthy(ticks > 0, "the main loop ran between slices")
  local incremental = lines()
  T.truthy(#incremental > 100 and #incremental < 10000, "warnings with 'm 1' only: " .. #incremental)
  T.truthy(incremental[1]:match("2 older entries left"), "two entries trimmed: " .. incremental[1])
  for i = 2, #incremental do
    T.truthy(incremental[i]:match("WARN m 1"), incremental[i])
  end
  book:render()
  require("unity.log.view").reshow(book)
  T.wait_for(function()
    return not log.reshowing()
  end, "the render shown")
  T.eq(incremental, lines(), "the slices left what a full render shows")
  row_is_its_entry(#incremental)
end)

T.run()
