-- Unity's tests run from Neovim: require("unity").test, the commands, quickfix, diagnostics,
-- the summary, reloads and reconnects during a run, against the real package in the stand-in
-- editor (one for the file), whose Test Framework runs the project's NUnit assemblies.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local test = require("unity.test")

-- Assets/Tests/MathTests.cs, in an Editor-only test assembly: Adds fails at its assertion (13).
local SOURCE = {
  "using NUnit.Framework;", -- 1
  "namespace Game.Tests", -- 2
  "{", -- 3
  "    public class MathTests", -- 4
  "    {", -- 5
  "        [Test]", -- 6
  "        public void Adds()", -- 7
  "        {", -- 8
  "            var a = 1;", -- 9
  "            var b = 2;", -- 10
  "            var sum = a + b;", -- 11
  "            // the assertion:", -- 12
  "            Assert.AreEqual(4, sum);", -- 13
  "        }", -- 14
  "", -- 15
  "        [TestCase(1, 2)]", -- 16
  "        [TestCase(2, 2)]", -- 17
  "        public void Pairs(int a, int b)", -- 18
  "        {", -- 19
  "            Assert.Pass();", -- 20
  "        }", -- 21
  "", -- 22
  '        [Test, Ignore("later")]', -- 23
  "        public void Later() { }", -- 24
  "    }", -- 25
  "}", -- 26
}
local FILE = "Assets/Tests/MathTests.cs"

--- A test assembly's asmdef as a project with com.unity.test-framework declares one.
local function asmdef(name, platforms)
  return {
    string.format('{ "name": "%s", "references": ["UnityEngine.TestRunner", "UnityEditor.TestRunner"],', name),
    string.format('  "includePlatforms": %s, "overrideReferences": true,', platforms),
    '  "precompiledReferences": ["nunit.framework.dll"], "defineConstraints": ["UNITY_INCLUDE_TESTS"] }',
  }
end

--- A [UnityTest] of `frames` editor frames, Unity's way of a test that takes time; `explicit`:
--- it and a test that throws run only when a filter names them (a run of everything skips them).
local function waits(namespace, frames, explicit)
  return {
    "using System.Collections;",
    "using NUnit.Framework;",
    "using UnityEngine.TestTools;",
    "namespace " .. namespace,
    "{",
    "    public class SlowTests",
    "    {",
    explicit and '        [UnityTest, Explicit("slow")]' or "        [UnityTest]",
    "        public IEnumerator Waits() { for (int i = 0; i < " .. frames .. "; i++) yield return null; }",
    explicit and '        [Test, Explicit("throws")]' or "",
    explicit and '        public void Throws() { throw new System.InvalidOperationException("boom"); }' or "",
    "    }",
    "}",
  }
end

local FILES = {
  ["Assets/Tests/Tests.asmdef"] = asmdef("Game.Tests", '["Editor"]'),
  [FILE] = SOURCE,
  -- EditMode and explicit: a run to reconnect, quit or cancel during (about a second), and an error.
  ["Assets/Tests/Slow/SlowTests.cs"] = waits("Slow", 200, true),
  ["Assets/Tests/Slow/Slow.asmdef"] = asmdef("Slow.Tests", '["Editor"]'),
  -- PlayMode: its run enters play mode, which reloads the domain.
  ["Assets/PlayTests/SlowTests.cs"] = waits("Other", 2, false),
  ["Assets/PlayTests/Play.asmdef"] = asmdef("Other.Tests", "[]"),
}

--- What an EditMode run of everything reports: MathTests.cs's four, Slow's two skipped.
local EVERY = 6

--- A project with FILES, and the stand-in host on it with `env` (for a host a test stops).
local function own_host(env)
  local dir = T.project()
  for path, lines in pairs(FILES) do
    vim.fn.mkdir(vim.fs.dirname(dir .. "/" .. path), "p")
    vim.fn.writefile(lines, dir .. "/" .. path)
  end
  local host = T.start_host(dir, env)
  T.connect(dir)
  return dir, host
end

--- The shared host's project, connected, no quickfix list, diagnostics or notes left.
local function setup()
  vim.cmd("silent! %bwipeout! | silent! cclose")
  vim.fn.setqflist({}, "f")
  vim.diagnostic.reset()
  local dir = T.connect_shared(nil, FILES)
  return dir
end

local run = T.run_tests

local function qf()
  local l = vim.fn.getqflist({ title = 0, items = 0 })
  return l.title, l.items
end

T.test("a run: summary, quickfix at the assertion line, diagnostics at it and at the method, events", function()
  local dir = setup()
  local path = dir .. "/" .. FILE
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  local each, runs = T.record("UnityTestFinished"), T.record("UnityTestRunFinished")

  local s = run()
  T.eq({ 2, 1, 3, 0 }, { s.passed, s.failed, s.skipped, s.inconclusive }, "counts")
  T.eq(EVERY, #s.results, "results")
  local adds = s.results[1]
  T.eq("Game.Tests.MathTests.Adds", adds.full_name, "first result")
  T.eq({ path, 13 }, { adds.file, adds.line }, "where Adds failed: the assertion, not the method")
  T.eq({ path, 7 }, { adds.method_file, adds.method_line }, "the method")
  T.eq({ path, 18 }, { s.results[2].file, s.results[2].line }, "a passing case points at its method")

  local title, items = qf()
  T.eq("Unity tests", title, "quickfix title")
  T.eq(1, #items, "one failure in the quickfix list")
  T.eq({ buf, 13 }, { items[1].bufnr, items[1].lnum }, "quickfix at the assertion line")
  -- NUnit indents its message; the list shows it from its first word.
  T.eq("Game.Tests.MathTests.Adds: Expected: 4", items[1].text, "quickfix text")

  local diags = vim.diagnostic.get(buf, { namespace = test.ns })
  table.sort(diags, function(a, b)
    return a.lnum < b.lnum
  end)
  T.eq({ 6, 12 }, { diags[1].lnum, diags[2].lnum }, "diagnostics at the method (7) and the assertion (13)")
  T.eq("Expected: 4\nBut was:  3", diags[2].message, "the whole message, without NUnit's indentation")
  T.eq(vim.diagnostic.severity.ERROR, diags[2].severity, "severity")

  T.truthy(T.noted("Unity tests: 2 passed, 1 failed, 3 skipped"), "the summary message: " .. vim.inspect(T.notes))
  T.eq(EVERY, #each, "UnityTestFinished per test")
  T.eq("failed", each[1].status, "event data")
  T.eq(13, each[1].line, "event data: where it failed")
  T.eq(1, #runs, "UnityTestRunFinished once")
  T.eq(s.run, runs[1].run, "the run id")
  T.eq(EVERY, #runs[1].results, "the run's results")

  -- :UnityPick tests lists the run, failed first, at the line where it failed.
  require("unity").setup({ picker = "select" })
  local select = vim.ui.select
  local picked
  vim.ui.select = function(list, _, choose)
    picked = list
    choose(list[1], 1)
  end
  T.defer(function()
    vim.ui.select = select
    require("unity").setup({})
  end)
  vim.cmd("UnityPick tests")
  T.eq(EVERY, #picked, "every test of the run")
  T.contains(picked[1].text, "Game.Tests.MathTests.Adds")
  T.eq(
    { path, 13 },
    { vim.api.nvim_buf_get_name(0), vim.api.nvim_win_get_cursor(0)[1] },
    "the pick lands at the assertion"
  )
end)

T.test("diagnostics reach a file opened after the run", function()
  local dir = setup()
  run()
  vim.cmd.edit(vim.fn.fnameescape(dir .. "/" .. FILE))
  T.eq(2, #vim.diagnostic.get(0, { namespace = test.ns }), "set on BufReadPost")
end)

T.test("the filter reaches Unity, and :UnityTest takes a mode and a filter", function()
  setup()
  local s = run({ names = { "Game.Tests.MathTests.Pairs" } })
  T.eq({ "Game.Tests.MathTests.Pairs(1,2)", "Game.Tests.MathTests.Pairs(2,2)" }, {
    s.results[1].full_name,
    s.results[2].full_name,
  }, "a method's name runs its cases")
  T.eq(2, #s.results, "only those")
  local runs = T.record("UnityTestRunFinished")
  vim.cmd("UnityTest play ^Other")
  T.wait_for(function()
    return runs[1]
  end, "the run", 60000)
  T.eq({ "Other.SlowTests.Waits" }, { runs[1].results[1].full_name }, "the group")
  T.eq(1, #runs[1].results, "only that")
  vim.cmd("UnityTestLast")
  T.wait_for(function()
    return runs[2]
  end, "the last run again", 60000)
  T.eq(1, #runs[2].results, "the same filter")
end)

T.test("the <Plug> mappings run tests; :UnityTest takes a filter without a mode", function()
  setup()
  local runs = T.record("UnityTestRunFinished")
  vim.cmd("UnityTest ^Game.Tests.MathTests.Pairs")
  T.wait_for(function()
    return runs[1]
  end, ":UnityTest's run")
  T.eq(2, #runs[1].results, "the filter alone")
  vim.api.nvim_feedkeys(vim.keycode("<Plug>(unity-test-last)"), "x", false)
  T.wait_for(function()
    return runs[2]
  end, "<Plug>(unity-test-last)'s run")
  T.eq(2, #runs[2].results, "the same tests again")
  vim.api.nvim_feedkeys(vim.keycode("<Plug>(unity-test)"), "x", false)
  T.wait_for(function()
    return runs[3]
  end, "<Plug>(unity-test)'s run")
  T.eq(EVERY, #runs[3].results, "every test")
end)

T.test(":UnityTestNearest and :UnityTestFile pick names from the C# buffer", function()
  local dir = setup()
  vim.cmd.edit(vim.fn.fnameescape(dir .. "/" .. FILE))
  local runs = T.record("UnityTestRunFinished")
  vim.api.nvim_win_set_cursor(0, { 17, 0 }) -- on [TestCase(2, 2)]
  vim.cmd("UnityTestNearest")
  T.wait_for(function()
    return runs[1]
  end, "the nearest run")
  T.eq({ "Game.Tests.MathTests.Pairs(2,2)" }, { runs[1].results[1].full_name }, "the case under the cursor")
  T.eq(1, #runs[1].results, "one case")
  vim.api.nvim_win_set_cursor(0, { 11, 0 }) -- inside Adds
  vim.cmd("UnityTestNearest")
  T.wait_for(function()
    return runs[2]
  end, "the second nearest run")
  T.eq("Game.Tests.MathTests.Adds", runs[2].results[1].full_name, "the method under the cursor")
  T.eq(1, #runs[2].results, "one test")
  vim.cmd("UnityTestFile")
  T.wait_for(function()
    return runs[3]
  end, "the file's run")
  T.eq(4, #runs[3].results, "every test of MathTests, none of SlowTests")
end)

T.test("a run goes on across a domain reload (PlayMode), counted once", function()
  setup()
  local bye = T.counter("UnityBye")
  local each = T.record("UnityTestFinished")
  local s = run({ mode = "play" }, 60000)
  T.truthy(bye() >= 1, "the domain reloaded during the run")
  T.eq(1, #s.results, "every result")
  T.eq(1, #each, "each test reported once, replays merged")
  T.eq({ 1, 0, 0 }, { s.passed, s.failed, s.skipped }, "counts")
end)

T.test(
  "a Neovim that reconnects during a run learns the rest from the replay; a finished run is not replayed",
  function()
    local dir = setup()
    local each, runs = T.record("UnityTestFinished"), T.record("UnityTestRunFinished")
    local summary
    -- MathTests.cs's four at once, then the slow one (about a second).
    require("unity").test({ names = { "Game.Tests.MathTests", "Slow.SlowTests.Waits" } }, function(s)
      summary = s
    end)
    T.wait_for(function()
      return #each >= 1
    end, "the first result")
    local status = require("unity").statusline()
    T.contains(status, "⧗ ")
    T.contains(status, "/5")
    require("unity").disconnect()
    vim.wait(400)
    T.connect(dir)
    T.wait_for(function()
      return summary
    end, "the run's end after the reconnect", 60000)
    T.eq(5, #summary.results, "every result, none twice")
    T.eq(5, #each, "each test reported once")
    T.eq(1, #runs, "one run end")
    T.truthy(not require("unity").statusline():find("⧗", 1, true), "no run in the statusline")
    -- A later hello replays the finished run: ignored.
    require("unity").disconnect()
    T.connect(dir)
    T.eq(true, T.call("state").ok, "a round trip after the replay")
    T.eq(1, #runs, "the finished run is not reported again")
    T.eq(5, #each, "nor its tests")
  end
)

T.test("a run Unity abandons (it quits) is reported as interrupted", function()
  local _, host = own_host()
  T.clear_notes()
  local summary
  require("unity").test({ names = { "Game.Tests.MathTests", "Slow.SlowTests.Waits" } }, function(s)
    summary = s
  end)
  T.wait_for(function()
    return test.progress() and test.progress():match("^[1-9]")
  end, "a first result", 60000)
  host:kill("sigterm")
  T.wait_for(function()
    return summary
  end, "on_done after Unity quit")
  T.eq(true, summary.interrupted, "interrupted")
  T.truthy(T.noted("the run was interrupted, Unity went away after "), "said so")
end)

T.test("without the Test Framework: the clear error, and on_done(nil, err)", function()
  own_host({ UNITY_HOST_TEST_FRAMEWORK = "none" })
  T.clear_notes()
  local s, err = run()
  T.eq(nil, s, "no summary")
  T.contains(err, "the Unity Test Framework is not installed in this project: add com.unity.test-framework")
  T.truthy(T.noted("tests.run failed: the Unity Test Framework is not installed"), "told the user")
  T.eq(false, T.call("tests.list", { mode = "edit" }).ok, "tests.list too")
end)

T.test("bad arguments are refused with a sentence", function()
  T.clear_notes()
  local told
  local id, err = require("unity").test({ mode = "playmode" }, function(s, e)
    told = { s, e }
  end)
  T.eq(nil, id, "not sent")
  T.contains(err, 'tests run in mode "edit" or "play"')
  T.eq({ nil, err }, told, "on_done(nil, err)")
  T.truthy(T.noted('tests run in mode "edit" or "play", not "playmode"'), "shown")
end)

--- Hands `test` messages of run `id` to test.lua as the client's drain does, for a peer that
--- sends the optional fields (`state` on `finished`, `cancelled` on `run_finished`).
local function feed(dir, id, events)
  for _, ev in ipairs(events) do
    test.handle(dir, vim.tbl_extend("force", { t = "test", run = id }, ev))
  end
end

--- A project holding the test file, no editor: the messages come from `feed`.
local function offline()
  vim.fn.setqflist({}, "f")
  T.clear_notes()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/Tests", "p")
  vim.fn.writefile(SOURCE, dir .. "/" .. FILE)
  return dir
end

T.test("NUnit's result state: an error is told from an assertion in quickfix and the summary", function()
  local dir = offline()
  local done = T.record("UnityTestRunFinished")
  feed(dir, "r-state", {
    { event = "run_started", mode = "edit", total = 3 },
    {
      event = "finished",
      full_name = "Game.Tests.MathTests.Adds",
      name = "Adds",
      status = "failed",
      state = "Failed",
      message = "  Expected: 4\n  But was:  3\n",
      file = FILE,
      line = 7,
      ms = 1,
    },
    {
      event = "finished",
      full_name = "Game.Tests.MathTests.Pairs(1,2)",
      name = "Pairs(1,2)",
      status = "failed",
      state = "Failed:Error",
      message = "System.InvalidOperationException : thrown on purpose",
      file = FILE,
      line = 18,
      ms = 1,
    },
    {
      event = "finished",
      full_name = "Game.Tests.MathTests.Later",
      name = "Later",
      status = "skipped",
      state = "Skipped:Ignored",
      message = "later",
      file = FILE,
      line = 24,
      ms = 0,
    },
    { event = "run_finished", passed = 0, failed = 2, skipped = 1, inconclusive = 0, ms = 300 },
  })
  local texts = vim.tbl_map(function(item)
    return item.text
  end, vim.fn.getqflist())
  T.eq({
    "Game.Tests.MathTests.Adds: Expected: 4",
    "Game.Tests.MathTests.Pairs(1,2) [error]: System.InvalidOperationException : thrown on purpose",
  }, texts, "an assertion plain, an error marked")
  T.truthy(
    T.noted("Unity tests: 0 passed, 2 failed (1 error), 1 skipped (1 ignored) in 0.3 s"),
    "the summary: " .. vim.inspect(T.notes)
  )
  T.eq("Failed:Error", done[1].results[2].state, "the state in the run's results")
end)

T.test("over the wire: the result state and a cancelled run reach Lua through the native decoder", function()
  setup()
  local s = run({ names = { "Slow.SlowTests.Throws" } })
  T.eq("Failed:Error", s.results[1].state, "state decoded")
  T.contains(
    vim.fn.getqflist()[1].text,
    "Slow.SlowTests.Throws [error]: System.InvalidOperationException : boom",
    "marked"
  )
  local summary
  require("unity").test({ names = { "Slow.SlowTests.Waits" } }, function(done)
    summary = done
  end)
  T.wait_for(function()
    return test.progress()
  end, "the run started")
  T.eq(true, T.call("tests.cancel").ok, "cancelled")
  T.wait_for(function()
    return summary
  end, "on_done after the cancel")
  T.eq(true, summary.cancelled, "cancelled decoded")
end)

T.test("a clean run clears the quickfix list and the diagnostics; a file opened later gets them", function()
  local dir = setup()
  run()
  T.eq(1, #select(2, qf()), "a failure first")
  -- Fixed and saved: the run compiles it first.
  local fixed = vim.deepcopy(SOURCE)
  fixed[13] = "            Assert.AreEqual(3, sum);"
  vim.fn.writefile(fixed, dir .. "/" .. FILE)
  local s = run({}, 60000)
  T.eq(0, s.failed, "no failure")
  -- (The compile before the run made the newest list its own: no failure left in either.)
  T.eq(0, #select(2, qf()), "the list is empty")
  T.eq(0, #vim.diagnostic.get(nil, { namespace = test.ns }), "no diagnostics")
  T.truthy(T.noted("Unity tests: 3 passed, 3 skipped"), "summary: " .. vim.inspect(T.notes))
end)

T.test("a cancelled run says so, also when nothing ran yet", function()
  local dir = offline()
  local done = T.record("UnityTestRunFinished")
  feed(dir, "r-cancel", {
    { event = "run_started", mode = "edit", total = 5 },
    { event = "finished", full_name = "Game.Tests.MathTests.Later", name = "Later", status = "passed", ms = 1 },
    { event = "run_finished", passed = 1, failed = 0, skipped = 0, inconclusive = 0, ms = 100, cancelled = true },
  })
  T.truthy(T.noted("Unity tests: the run was cancelled: 1 passed in 0.1 s"), "said: " .. vim.inspect(T.notes))
  T.eq(true, done[1].cancelled, "the summary says cancelled")
  T.clear_notes()
  feed(dir, "r-cancel-early", {
    { event = "run_started", mode = "edit", total = 5 },
    { event = "run_finished", passed = 0, failed = 0, skipped = 0, inconclusive = 0, ms = 0, cancelled = true },
  })
  T.truthy(T.noted("Unity tests: the run was cancelled: 0 passed"), "said: " .. vim.inspect(T.notes))
  T.truthy(not T.noted("found no"), "not taken for a project without tests")
end)

T.test("a project without tests: the run through the editor says how to add them", function()
  local dir = T.project()
  T.start_host(dir)
  T.connect(dir)
  T.clear_notes()
  local s = run({ mode = "edit" })
  T.eq({ 0, 0 }, { s.passed, s.failed }, "nothing ran")
  T.truthy(T.noted("Unity found no EditMode test."), "said: " .. vim.inspect(T.notes))
  T.truthy(not T.noted("0 passed"), "no empty count")
end)

T.test("a run that finds no test says how to add a test assembly, not '0 passed'", function()
  local dir = offline()
  feed(dir, "r-none", {
    { event = "run_started", mode = "edit", total = 0 },
    { event = "run_finished", passed = 0, failed = 0, skipped = 0, inconclusive = 0, ms = 0 },
  })
  T.truthy(T.noted("Unity found no EditMode test."), "said: " .. vim.inspect(T.notes))
  T.truthy(T.noted("Create > Testing > Tests Assembly Folder"), "how to add one")
  T.truthy(T.noted("com.unity.test-framework"), "the package")
  T.truthy(not T.noted("0 passed"), "no empty count")
end)

T.run()
