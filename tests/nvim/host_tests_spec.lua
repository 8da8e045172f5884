-- Unity's tests from Neovim against the real package in the stand-in editor (Mono), whose
-- Test Framework runs the sample project's real NUnit assembly (tests/unity_host/project,
-- Assets/Game/Tests/ScoreTests.cs): :UnityTest's results, quickfix and diagnostics at the
-- failing lines, and the neotest adapter's positions and results on that same file.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
vim.opt.rtp:append(T.root .. "/tests/neotest") -- the stand-in of neotest.Tree (tests/neotest/README.md)

local unity = require("unity")
local test = require("unity.test")

local FIXTURE = "Game.Tests.ScoreTests."
local FILE = "Assets/Game/Tests/ScoreTests.cs"

--- The sample project in a fresh folder, the stand-in editor on it, its scripts compiled (the
--- test assembly among them) and Neovim connected to the domain that loaded them.
local function sample(env)
  local dir = T.project()
  vim.fn.system({ "cp", "-R", T.root .. "/tests/unity_host/project/.", dir })
  T.start_host(dir, env)
  T.connect(dir)
  local reconnected = T.counter("UnityConnected")
  local compiled = T.counter("UnityCompileFinished")
  unity.compile()
  T.wait_for(function()
    return compiled() >= 1 and reconnected() >= 1 and unity.status().connected
  end, "the compile and the reload into the compiled scripts", 120000)
  T.eq(0, unity.status().errors, "the sample project compiles")
  return dir
end

T.test("the sample project's tests: results, quickfix and diagnostics at the failing lines", function()
  local dir = sample()
  local path = dir .. "/" .. FILE
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  T.clear_notes()

  local s, err = T.run_tests({ mode = "edit", assemblies = { "Game.Tests" } }, 120000)
  T.truthy(s, "a summary: " .. tostring(err))
  local status = {}
  for _, r in ipairs(s.results) do
    status[r.full_name] = r.status
  end
  T.eq({
    [FIXTURE .. "AddsPoints"] = "passed",
    [FIXTURE .. "FailsAnAssertion"] = "failed",
    [FIXTURE .. "Throws"] = "failed",
    [FIXTURE .. "Ignored"] = "skipped",
    [FIXTURE .. "ClampsPoints(10,10)"] = "passed",
    [FIXTURE .. "ClampsPoints(150,100)"] = "passed",
    [FIXTURE .. "ClampsPoints(-5,0)"] = "passed",
    [FIXTURE .. "DescribesInTheEditor"] = "passed",
  }, status, "every test's status")
  T.eq({ 5, 2, 1 }, { s.passed, s.failed, s.skipped }, "counts")
  -- The package sends NUnit's ResultState: the throw is an error, the ignored test ignored.
  T.truthy(
    T.noted("Unity tests: 5 passed, 2 failed (1 error), 1 skipped (1 ignored) in "),
    "the summary: " .. vim.inspect(T.notes)
  )

  local qf = vim.fn.getqflist({ title = 0, items = 0 })
  T.eq("Unity tests", qf.title, "the quickfix list")
  local at = {}
  for _, item in ipairs(qf.items) do
    at[#at + 1] = { item.bufnr, item.lnum }
  end
  table.sort(at, function(a, b)
    return a[2] < b[2]
  end)
  T.eq({ { buf, 22 }, { buf, 28 } }, at, "the assertion (22) and the throw (28), from the real stack traces")
  local errors = vim.tbl_filter(function(item)
    return item.text:find(FIXTURE .. "Throws [error]", 1, true) ~= nil
  end, qf.items)
  T.eq(1, #errors, "the throw marked as an error: " .. vim.inspect(qf.items))

  local lines = {}
  for _, d in ipairs(vim.diagnostic.get(buf, { namespace = test.ns })) do
    lines[#lines + 1] = d.lnum + 1
  end
  table.sort(lines)
  T.eq({ 20, 22, 26, 28 }, lines, "diagnostics at the failing lines and at the two test methods")
end)

T.test("a test edited and saved runs in its new form; an unsaved compile error refuses the run", function()
  local dir = sample()
  vim.cmd.edit(vim.fn.fnameescape(dir .. "/" .. FILE))
  T.eq(
    '            Assert.AreEqual(3, new Score().Points, "a new score starts at zero, not three");',
    vim.fn.getline(22),
    "the failing assertion"
  )
  local compiled = T.counter("UnityCompileFinished")

  -- The user fixes the test, saves and runs it at once: Unity compiles and reloads first, and
  -- the run is of the fixed test, not of the build before the save.
  vim.api.nvim_buf_set_lines(0, 21, 22, false, { "            Assert.AreEqual(0, new Score().Points);" })
  vim.cmd("silent write")
  vim.api.nvim_win_set_cursor(0, { 22, 0 })
  T.clear_notes()
  local s, err
  local done = false
  vim.cmd("UnityTestNearest")
  vim.api.nvim_create_autocmd("User", {
    pattern = "UnityTestRunFinished",
    once = true,
    callback = function(a)
      s, done = a.data, true
    end,
  })
  T.wait_for(function()
    return done
  end, "the run of the edited test", 120000)
  T.eq({ 1, 0 }, { s.passed, s.failed }, "the fixed test passed: " .. vim.inspect(T.notes))
  T.truthy(compiled() >= 1, "Unity compiled the edit before the run")
  T.eq(FIXTURE .. "FailsAnAssertion", s.results[1].full_name, "the test under the cursor")
  T.truthy(T.noted("compiling… the tests run when the compile succeeds"), "said what it waits for")

  -- A compile error, not saved: the run writes it, and is refused with the compile's errors.
  vim.api.nvim_buf_set_lines(0, 21, 22, false, { '            int points = "zero";' })
  T.clear_notes()
  local started = T.counter("UnityTestFinished")
  s, err = T.run_tests({ mode = "edit", names = { FIXTURE .. "FailsAnAssertion" } }, 120000)
  T.eq(false, vim.bo.modified, "the buffer was written")
  T.eq(nil, s, "no summary")
  T.contains(err, "tests not run: the scripts have 1 compile error", "on_done's reason")
  T.truthy(T.noted("tests not run: the scripts have 1 compile error"), "said: " .. vim.inspect(T.notes))
  T.eq("Unity compile", vim.fn.getqflist({ title = 0 }).title, "the errors in quickfix")
  T.eq(22, vim.fn.getqflist()[1].lnum, "at the edited line")
  T.eq(0, started(), "no test ran")
end)

T.test("neotest-unity on the sample project: its positions are the names Unity runs, results at their lines", function()
  local dir = sample()
  local adapter = require("neotest-unity")
  local path = dir .. "/" .. FILE
  T.truthy(adapter.is_test_file(path), "a test file")
  T.eq(dir, adapter.root(vim.fs.dirname(path)), "the project is the root")
  local tree = adapter.discover_positions(path)
  local spec = adapter.build_spec({ tree = tree })
  T.eq("edit", spec.context.opts.mode, "an Editor-only test assembly runs in EditMode")

  local results, code = T.neotest_run(spec, tree, 120000)
  T.eq(1, code, "failures make a non-zero code")
  for name, want in pairs({
    AddsPoints = "passed",
    FailsAnAssertion = "failed",
    Throws = "failed",
    Ignored = "skipped",
    ["ClampsPoints(150,100)"] = "passed",
  }) do
    T.truthy(tree:get_key(FIXTURE .. name), "a position for " .. name)
    T.eq(want, (results[FIXTURE .. name] or {}).status, name)
  end
  T.eq(21, results[FIXTURE .. "FailsAnAssertion"].errors[1].line, "the assertion's line, 0-based")
  T.contains(results[FIXTURE .. "FailsAnAssertion"].errors[1].message, "a new score starts at zero")
end)

T.run()
