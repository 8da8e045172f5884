--- Unity's tests run from Neovim: `tests.run` through the bridge, `test` messages from Unity
--- (handed over by the client), results into the quickfix list "Unity tests" and diagnostics in
--- the "unity.tests" namespace, at the line where each test failed and at its method.
---
--- Results arrive one message each, thousands in a burst: each is recorded at once (cheap), and
--- the quickfix list and diagnostics are brought up to date once per drain slice, from a timer
--- that runs after the slice has returned to the main loop (never inside it), so that a burst
--- costs the main loop one short slice after another.
local file_diagnostics = require("unity.file_diagnostics")
local messages = require("unity.messages")
local source = require("unity.log.source")

local M = {}

M.title = "Unity tests"
M.ns = vim.api.nvim_create_namespace("unity.tests")
local diagnostics = file_diagnostics.new(M.ns)

---@class unity.TestResult   data of `User UnityTestFinished`
---@field run string
---@field full_name string
---@field name string
---@field status "passed"|"failed"|"skipped"|"inconclusive"
---@field state? string        NUnit's ResultState when it says more than `status`: "Failed:Error", "Skipped:Ignored", ...
---@field message? string
---@field stack? string
---@field output? string
---@field file? string         absolute; where it failed (the first frame in the project), else the test method
---@field line? integer
---@field method_file? string  absolute; the test method, where Unity can tell
---@field method_line? integer
---@field ms integer

---@class unity.TestSummary  data of `User UnityTestRunFinished`, and what on_done gets
---@field run? string  the run's id (none when it never started)
---@field passed integer
---@field failed integer
---@field skipped integer
---@field inconclusive integer
---@field ms integer
---@field results unity.TestResult[]
---@field interrupted? boolean  Unity went away before the run finished
---@field cancelled? boolean    the run was cancelled (tests.cancel, Unity's Test Runner)
---@field mode? string          "edit" or "play"
---@field filtered? boolean     the run had a filter (names, groups, categories, assemblies)

---@class unity.TestOpts
---@field mode? "edit"|"play"
---@field names? string[]       full names of tests or of their suites (fixtures, namespaces)
---@field groups? string[]      regular expressions on full names
---@field categories? string[]
---@field assemblies? string[]

---@class unity.TestState
---@field root string|nil
---@field run string|nil  the run being followed
---@field mode string|nil
---@field total integer
---@field results unity.TestResult[]
---@field by_name table<string, unity.TestResult>
---@field finished table<string, true>  runs seen to the end
---@field on_done table<string, fun(summary: unity.TestSummary|nil, err: string|nil)>
---@field last unity.TestOpts|nil
---@field filtered boolean  the run asked for last had a filter
---@field summary unity.TestSummary|nil  of the last run seen to its end
---@field qf_id integer|nil
---@field new_items table[]  quickfix items not yet in the list
---@field diagnosed_at integer  hrtime of the last vim.diagnostic.set
---@field flush_timer uv.uv_timer_t|nil
---@field known table<string, string|false>  files resolved during this run
---@field bufs table<string, integer>  their buffers, for quickfix items
local S = {
  total = 0,
  results = {},
  by_name = {},
  finished = {},
  on_done = {},
  new_items = {},
  diagnosed_at = 0,
  known = {},
  bufs = {},
  filtered = false,
}

--- vim.diagnostic.set costs about 25 us per diagnostic of the buffer (all of them, each time):
--- during a run a buffer's diagnostics are set at most this often.
local DIAGNOSE_EVERY_MS = 100

--- What NUnit's ResultState says beyond the status, as a word ("error": the test threw, not an
--- assertion; "cancelled", "ignored", ...); nil when nothing more.
---@param r unity.TestResult
---@return string|nil
local function kind_of(r)
  local label = r.state and r.state:match("^[^:]*:(.+)$")
  return label and label ~= "" and label:lower() or nil
end

--- Runs tests in Unity once it is up to date with the buffers (uptodate.lua: the project's
--- modified buffers written unless `test_saves` is false, a refresh, its compile and reload),
--- so that the tests run are those the user sees. Results arrive as quickfix items,
--- diagnostics, `User UnityTestFinished` per test and `User UnityTestRunFinished`; then
--- `on_done(summary)`, or `on_done(nil, err)` when the run could not start.
---@param opts? unity.TestOpts
---@param on_done? fun(summary: unity.TestSummary|nil, err: string|nil)
---@return integer|nil id, string|nil err  the refresh's id
function M.run(opts, on_done)
  opts = opts or {}
  if opts.mode and opts.mode ~= "edit" and opts.mode ~= "play" then
    return M.now(opts, on_done) -- refused there, without a refresh
  end
  return require("unity.uptodate").start("tests", {
    saves = require("unity.config").options.test_saves,
    action = function()
      M.now(opts, on_done)
    end,
    refused = function(text)
      if on_done then
        on_done(nil, text)
      end
    end,
  })
end

--- Runs tests in Unity at once, whatever its scripts are (M.run waits for them first).
---@param opts? unity.TestOpts
---@param on_done? fun(summary: unity.TestSummary|nil, err: string|nil)
---@return integer|nil id, string|nil err
function M.now(opts, on_done)
  opts = opts or {}
  local function failed(err)
    messages.notify(messages.command_failed("tests.run", err), vim.log.levels.ERROR)
    if on_done then
      on_done(nil, err)
    end
    return nil, err
  end
  local mode = opts.mode or "edit"
  if mode ~= "edit" and mode ~= "play" then
    return failed(messages.test_bad_mode(mode))
  end
  S.last = vim.deepcopy(opts)
  local filter = {}
  for _, key in ipairs({ "names", "groups", "categories", "assemblies" }) do
    if opts[key] and #opts[key] > 0 then
      filter[key] = opts[key]
    end
  end
  S.filtered = next(filter) ~= nil
  local client = require("unity.client")
  local id, err = client.send("tests.run", { mode = mode, filter = next(filter) and filter or nil }, function(reply)
    local run = reply.ok and type(reply.result) == "table" and reply.result.run
    if not run then
      return failed(reply.error or messages.test_no_run_id())
    end
    if S.finished[run] then
      -- Every message of the run came before the reply: report it now.
      if on_done and S.summary and S.summary.run == run then
        on_done(S.summary)
      end
    elseif on_done then
      S.on_done[run] = on_done
    end
  end)
  if not id then
    return failed(err)
  end
  return id
end

--- :UnityTest [edit|play] [filter]: `filter` a regular expression on full names.
---@param first? string  a mode, or the start of the filter
---@param rest? string
function M.command(first, rest)
  local mode, filter = nil, vim.trim((first or "") .. " " .. (rest or ""))
  if first == "edit" or first == "play" then
    mode, filter = first, rest or ""
  end
  return M.run({ mode = mode, groups = filter ~= "" and { filter } or nil })
end

--- Runs the last tests again (:UnityTestLast).
---@param on_done? fun(summary: unity.TestSummary|nil, err: string|nil)
function M.last(on_done)
  if not S.last then
    messages.notify(messages.test_no_last(), vim.log.levels.WARN)
    return
  end
  return M.run(S.last, on_done)
end

--- The tests of the current buffer (:UnityTestFile): its fixtures, nested ones included.
---@param mode? "edit"|"play"
function M.file(mode)
  local names = require("unity.csharp").fixtures(M.buffer_tests(0))
  if #names == 0 then
    return messages.notify(messages.test_none_in_file(), vim.log.levels.WARN)
  end
  return M.run({ mode = mode, names = names })
end

--- The test under the cursor (:UnityTestNearest): a case, a method (all its cases), or the
--- fixture around the cursor.
---@param mode? "edit"|"play"
function M.nearest(mode)
  local node = require("unity.csharp").at(M.buffer_tests(0), vim.api.nvim_win_get_cursor(0)[1])
  if not node then
    return messages.notify(messages.test_none_at_cursor(), vim.log.levels.WARN)
  end
  local names = node.kind == "class" and require("unity.csharp").fixtures({ node }) or { node.full_name }
  return M.run({ mode = mode, names = names })
end

--- The fixtures found in a buffer.
---@param buf integer
---@return unity.CsNode[]
function M.buffer_tests(buf)
  local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
  return require("unity.csharp").parse(text)
end

--- "3/128" while a run is going, for the statusline; nil otherwise.
---@return string|nil
function M.progress()
  if S.run and not S.finished[S.run] then
    return string.format("%d/%d", #S.results, S.total)
  end
end

--- The tests of the run followed last (`:UnityPick tests`): failed first, then the others in
--- the order they finished, each at the line where it failed or else at its method.
---@return {text: string, file: string|nil, lnum: integer|nil, col: integer}[]
function M.items()
  local order = { failed = 1, inconclusive = 2, skipped = 3, passed = 4 }
  local sorted = {}
  for i, r in ipairs(S.results) do
    sorted[i] = { r = r, i = i }
  end
  table.sort(sorted, function(a, b)
    local x, y = order[a.r.status] or 5, order[b.r.status] or 5
    return x < y or (x == y and a.i < b.i)
  end)
  local items = {}
  for _, e in ipairs(sorted) do
    local first = (e.r.message or ""):match("^[^\n]*")
    local kind = kind_of(e.r)
    items[#items + 1] = {
      text = string.format(
        "%-8s %s%s%s",
        e.r.status,
        e.r.full_name,
        kind and (" [" .. kind .. "]") or "",
        first ~= "" and (": " .. first) or ""
      ),
      file = e.r.file,
      lnum = e.r.line,
      col = 1,
    }
  end
  return items
end

--- The state words of `results` by status, each with its count, in the order first seen.
---@param results unity.TestResult[]
---@return table<string, {[1]: string, [2]: integer}[]>
local function kinds(results)
  local by, at = {}, {}
  for _, r in ipairs(results) do
    local kind = kind_of(r)
    if kind then
      local key = r.status .. ":" .. kind
      if not at[key] then
        by[r.status] = by[r.status] or {}
        at[key] = { kind, 0 }
        table.insert(by[r.status], at[key])
      end
      at[key][2] = at[key][2] + 1
    end
  end
  return by
end

--- The run followed, as on_done gets it: Unity's counts, or (interrupted) the results' own.
---@param counts? {passed: integer, failed: integer, skipped: integer, inconclusive: integer, ms: integer}
---@return unity.TestSummary
local function summarize(counts)
  local s = {
    run = S.run,
    passed = 0,
    failed = 0,
    skipped = 0,
    inconclusive = 0,
    ms = 0,
    results = S.results,
    mode = S.mode,
    filtered = S.filtered,
  }
  if counts then
    s.passed, s.failed, s.skipped, s.inconclusive, s.ms =
      counts.passed, counts.failed, counts.skipped, counts.inconclusive, counts.ms
  else
    for _, r in ipairs(S.results) do
      s[r.status] = (s[r.status] or 0) + 1
      s.ms = s.ms + r.ms
    end
  end
  return s
end

-- Quickfix and diagnostics ---------------------------------------------------------------------

local function our_list_exists()
  return S.qf_id and vim.fn.getqflist({ id = S.qf_id }).id == S.qf_id
end

local flush_soon ---@type fun(ms?: number)

--- Brings the quickfix list, and (at most every DIAGNOSE_EVERY_MS, or when `final`) the
--- diagnostics of loaded buffers up to date.
---@param final? boolean
local function flush(final)
  if #S.new_items > 0 then
    if our_list_exists() then
      vim.fn.setqflist({}, "a", { id = S.qf_id, items = S.new_items })
    else
      local current = vim.fn.getqflist({ title = 0 }).title
      vim.fn.setqflist({}, current == M.title and "r" or " ", { title = M.title, items = S.new_items })
      S.qf_id = vim.fn.getqflist({ id = 0 }).id
    end
    S.new_items = {}
  end
  local wait_ms = (S.diagnosed_at - vim.uv.hrtime()) / 1e6 + DIAGNOSE_EVERY_MS
  if diagnostics:pending() and not final and wait_ms > 0 then
    flush_soon(wait_ms)
  elseif diagnostics:pending() then
    S.diagnosed_at = vim.uv.hrtime()
    diagnostics:show()
  end
end

--- Flushes after the current drain slice has returned to the main loop (or `ms` later).
---@param ms? number
flush_soon = function(ms)
  local timer = S.flush_timer or assert(vim.uv.new_timer())
  S.flush_timer = timer
  if not timer:is_active() then
    timer:start(
      math.ceil(ms or 0),
      0,
      vim.schedule_wrap(function()
        flush()
      end)
    )
  end
end

--- Empties the list and the diagnostics: a new run starts.
local function clear()
  S.new_items = {}
  if our_list_exists() then
    vim.fn.setqflist({}, "r", { id = S.qf_id, items = {}, title = M.title })
  end
  diagnostics:reset()
end

---@param file string
---@param line integer
---@param message string
local function diagnose(file, line, message)
  diagnostics:add(
    file,
    { lnum = line - 1, col = 0, severity = vim.diagnostic.severity.ERROR, message = message, source = "unity.tests" }
  )
end

-- Messages from Unity ----------------------------------------------------------------------------

local function fire(pattern, data)
  require("unity.client").fire(pattern, data)
end

---@param run string
---@param mode string|nil
---@param total integer|nil
local function follow(run, mode, total)
  S.run, S.mode, S.total = run, mode, total or 0
  S.results, S.by_name, S.known, S.bufs = {}, {}, {}, {}
  clear()
end

--- Where a failed test failed: the first frame of its stack in a file of the project.
---@param stack string|nil
---@return unity.Location|nil
local function failed_at(stack)
  if not stack or stack == "" then
    return nil
  end
  return source.first(S.root, vim.split(stack, "\n", { plain = true }), S.known)
end

--- NUnit's message without the indentation it gives every line ("  Expected: 5") and without
--- blank lines around it: its first line goes into the quickfix text.
---@param message string|nil
---@return string|nil
local function tidy(message)
  if not message then
    return nil
  end
  local lines = vim.split((message:gsub("\r\n", "\n")), "\n", { plain = true })
  local indent
  for _, line in ipairs(lines) do
    if line:find("%S") then
      local n = #line:match("^%s*")
      indent = math.min(indent or n, n)
    end
  end
  for i, line in ipairs(lines) do
    lines[i] = line:sub((indent or 0) + 1):gsub("%s+$", "")
  end
  return (table.concat(lines, "\n"):gsub("^\n+", ""):gsub("\n+$", ""))
end

local function finished(ev)
  local method_file = ev.file and ev.file ~= "" and source.resolve(S.root, ev.file, S.known) or nil
  local at = ev.status == "failed" and failed_at(ev.stack) or nil
  ---@type unity.TestResult
  local r = {
    run = ev.run,
    full_name = ev.full_name,
    name = ev.name,
    status = ev.status,
    state = type(ev.state) == "string" and ev.state or nil,
    message = tidy(ev.message),
    stack = ev.stack,
    output = ev.output,
    ms = ev.ms or 0,
    method_file = method_file,
    method_line = ev.line,
    file = at and at.file or method_file,
    line = at and at.line or ev.line,
  }
  S.results[#S.results + 1] = r
  S.by_name[r.full_name] = r
  if r.status == "failed" then
    local first = (r.message or ""):match("^[^\n]*")
    local kind = kind_of(r)
    local text = r.full_name .. (kind and (" [" .. kind .. "]") or "") .. (first ~= "" and (": " .. first) or "")
    if r.file then
      -- A buffer number, not a file name: setqflist looks a name up (a stat) for every item.
      local buf = S.bufs[r.file]
      if not (buf and vim.api.nvim_buf_is_valid(buf)) then
        buf = vim.fn.bufadd(r.file)
        S.bufs[r.file] = buf
      end
      S.new_items[#S.new_items + 1] = { bufnr = buf, lnum = r.line or 1, col = 1, type = "E", text = text }
      diagnose(r.file, r.line or 1, r.message or r.full_name)
      if method_file and ev.line and (method_file ~= r.file or ev.line ~= r.line) then
        diagnose(method_file, ev.line, r.name .. " failed: " .. (first ~= "" and first or "see the quickfix list"))
      end
    else
      S.new_items[#S.new_items + 1] = { text = text, type = "E", valid = 0 }
    end
    flush_soon()
  end
  fire("UnityTestFinished", r)
end

---@param ev table  the run_finished message
---@param interrupted? boolean
local function run_finished(ev, interrupted)
  local run = S.run
  S.finished[run] = true
  flush(true)
  local summary = summarize(not interrupted and ev or nil)
  summary.interrupted = interrupted or nil
  summary.cancelled = ev.cancelled == true or nil
  S.summary = summary
  if interrupted then
    S.finished[run] = nil -- a replay after a reconnect may still finish it
    messages.notify(messages.test_interrupted(#S.results, S.total), vim.log.levels.WARN)
  elseif summary.passed + summary.failed + summary.skipped + summary.inconclusive == 0 and not summary.cancelled then
    messages.notify(messages.test_none(summary.mode, summary.filtered), vim.log.levels.WARN)
  else
    -- A summary, not a failure of unity.nvim: at most a warning.
    local warn = summary.failed > 0 or summary.cancelled
    messages.notify(
      messages.tested(summary, kinds(summary.results)),
      warn and vim.log.levels.WARN or vim.log.levels.INFO
    )
  end
  -- Its data carries every result (thousands make a costly conversion): only for listeners.
  if #vim.api.nvim_get_autocmds({ event = "User", pattern = "UnityTestRunFinished" }) > 0 then
    fire("UnityTestRunFinished", summary)
  end
  local on_done = S.on_done[run]
  S.on_done[run] = nil
  if on_done then
    local ok, err = pcall(on_done, summary)
    if not ok then
      messages.notify(messages.callback_failed(err), vim.log.levels.ERROR)
    end
  end
end

--- A `test` message from Unity (called by the client's drain).
---@param root string|nil  the project
---@param ev table
function M.handle(root, ev)
  S.root = root
  if ev.replay and S.finished[ev.run] then
    return -- a run we saw to the end, replayed after a hello
  end
  if ev.run ~= S.run then
    follow(ev.run, ev.mode, ev.total)
  end
  if ev.event == "run_started" then
    S.mode, S.total = ev.mode, ev.total
  elseif ev.event == "finished" then
    if not S.by_name[ev.full_name] then
      finished(ev)
    end
  elseif ev.event == "run_finished" then
    run_finished(ev)
  end
end

-- A run Unity abandons is reported.
vim.api.nvim_create_autocmd("User", {
  group = vim.api.nvim_create_augroup("unity.test", { clear = true }),
  pattern = "UnityDisconnected",
  callback = function(a)
    if a.data.reason ~= "reload" and S.run and not S.finished[S.run] then
      run_finished({}, true)
    end
  end,
})

return M
