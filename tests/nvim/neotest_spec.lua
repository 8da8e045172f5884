-- The neotest adapter (`require("neotest-unity")`) called as neotest v5.20.0 calls it: root,
-- filter_dir, is_test_file, discover_positions (neotest.Tree), build_spec, the run through the
-- bridge against the real package in the stand-in editor, and results. neotest.Tree is a stand-in of ours (see
-- tests/neotest/README.md); NEOTEST_RTP puts real neotest and nvim-nio first.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local real = vim.env.NEOTEST_RTP and vim.env.NEOTEST_RTP ~= ""
if real then
  for _, dir in ipairs(vim.split(vim.env.NEOTEST_RTP, ",", { plain = true })) do
    vim.opt.rtp:prepend(dir)
  end
else
  vim.opt.rtp:append(T.root .. "/tests/neotest")
end
local adapter = require("neotest-unity")

local MATH = {
  "using NUnit.Framework;", -- 1
  "using System.Collections;", -- 2
  "using UnityEngine.TestTools;", -- 3
  "", -- 4
  "namespace Game.Tests", -- 5
  "{", -- 6
  "    public class MathTests", -- 7
  "    {", -- 8
  "        [Test]", -- 9
  "        public void Adds()", -- 10
  "        {", -- 11
  '            var s = "} not a brace {";', -- 12
  "            Assert.AreEqual(4, 1 + 2);", -- 13
  "        }", -- 14
  "", -- 15
  "        [TestCase(1, 2)]", -- 16
  "        [TestCase(-1, 2.50)]", -- 17: NUnit names it Pairs(-1,2.5d), not as written
  "        public void Pairs(int a, object b) { Assert.IsTrue(a > 0); }", -- 18
  "", -- 19
  "        public class Nested", -- 20
  "        {", -- 21
  "            [UnityTest]", -- 22
  "            public IEnumerator Waits() { yield return null; }", -- 23
  "        }", -- 24
  "    }", -- 25
  "}", -- 26
}
local SCOPED = {
  "using NUnit.Framework;",
  "namespace Game.Play.Tests;",
  "",
  "class WalkTests",
  "{",
  "    [Test] public void Walks() => Assert.Pass();",
  "}",
}

--- A project with test files in an Editor-only assembly and in a PlayMode one.
local function project()
  local dir = T.project()
  for _, d in ipairs({ "/Assets/Tests/Edit", "/Assets/Tests/Play", "/Library/PackageCache", "/Assets/Scripts" }) do
    vim.fn.mkdir(dir .. d, "p")
  end
  vim.fn.writefile(
    { '{ "name": "EditTests", "includePlatforms": ["Editor"] }' },
    dir .. "/Assets/Tests/Edit/Edit.asmdef"
  )
  vim.fn.writefile({ '{ "name": "PlayTests", "includePlatforms": [] }' }, dir .. "/Assets/Tests/Play/Play.asmdef")
  vim.fn.writefile(MATH, dir .. "/Assets/Tests/Edit/MathTests.cs")
  vim.fn.writefile(SCOPED, dir .. "/Assets/Tests/Play/WalkTests.cs")
  vim.fn.writefile({ "class Player {}" }, dir .. "/Assets/Scripts/Player.cs")
  return dir
end

local function tree_of(path)
  local tree = adapter.discover_positions(path)
  T.truthy(tree, "a tree for " .. path)
  return tree
end

T.test("root, filter_dir and is_test_file", function()
  local dir = project()
  T.eq(dir, adapter.root(dir .. "/Assets/Tests/Edit"), "the Unity project")
  T.eq(nil, adapter.root("/"), "no project")
  T.eq(true, adapter.filter_dir("Assets", "Assets", dir), "Assets")
  T.eq(true, adapter.filter_dir("Tests", "Assets/Tests", dir), "below Assets")
  T.eq(false, adapter.filter_dir("Library", "Library", dir), "Library")
  T.eq(false, adapter.filter_dir("PackageCache", "Library/PackageCache", dir), "below Library")
  T.eq(false, adapter.filter_dir("Samples~", "Assets/Samples~", dir), "folders Unity ignores")
  T.eq(true, adapter.is_test_file(dir .. "/Assets/Tests/Edit/MathTests.cs"), "NUnit file")
  T.eq(false, adapter.is_test_file(dir .. "/Assets/Scripts/Player.cs"), "a script")
  T.eq(false, adapter.is_test_file(dir .. "/Assets/Tests/Edit/Edit.asmdef"), "not C#")
end)

T.test("discover_positions: ids are Unity's full names, ranges cover attributes and bodies", function()
  local dir = project()
  local path = dir .. "/Assets/Tests/Edit/MathTests.cs"
  local function pos(id, type, name, range)
    return { id = id, type = type, name = name, path = path, range = range }
  end
  T.eq({
    pos(path, "file", "MathTests.cs", { 0, 0, 26, 0 }),
    {
      pos("Game.Tests.MathTests", "namespace", "MathTests", { 6, 0, 24, 5 }),
      pos("Game.Tests.MathTests.Adds", "test", "Adds", { 8, 0, 13, 9 }),
      {
        pos("Game.Tests.MathTests.Pairs", "test", "Pairs", { 15, 0, 17, 68 }),
        pos("Game.Tests.MathTests.Pairs(1,2)", "test", "Pairs(1,2)", { 15, 0, 15, 24 }),
        pos("Game.Tests.MathTests.Pairs(-1,2.50d)", "test", "Pairs(-1,2.50d)", { 16, 0, 16, 28 }),
      },
      {
        pos("Game.Tests.MathTests+Nested", "namespace", "Nested", { 19, 0, 23, 9 }),
        pos("Game.Tests.MathTests+Nested.Waits", "test", "Waits", { 21, 0, 22, 61 }),
      },
    },
  }, adapter.positions(path), "the position lists")
  local tree = tree_of(path)
  T.eq("Game.Tests.MathTests+Nested", tree:get_key("Game.Tests.MathTests+Nested.Waits"):parent():data().id, "parent")
  local scoped = tree_of(dir .. "/Assets/Tests/Play/WalkTests.cs")
  T.truthy(scoped:get_key("Game.Play.Tests.WalkTests.Walks"), "a file-scoped namespace")
end)

T.test("build_spec: the names Unity runs, the mode from the assembly", function()
  local dir = project()
  local tree = tree_of(dir .. "/Assets/Tests/Edit/MathTests.cs")
  local spec = adapter.build_spec({ tree = tree, strategy = "integrated" })
  T.eq(
    { mode = "edit", names = { "Game.Tests.MathTests", "Game.Tests.MathTests+Nested" } },
    spec.context.opts,
    "a file: its fixtures, the nested one too"
  )
  T.eq(adapter.strategy, spec.strategy, "runs through the bridge")
  spec = adapter.build_spec({ tree = tree:get_key("Game.Tests.MathTests.Pairs(-1,2.50d)") })
  T.eq({ "Game.Tests.MathTests.Pairs(-1,2.50d)" }, spec.context.opts.names, "a case")
  spec = adapter.build_spec({ tree = tree:get_key("Game.Tests.MathTests+Nested") })
  T.eq({ "Game.Tests.MathTests+Nested" }, spec.context.opts.names, "a nested fixture")
  local play = tree_of(dir .. "/Assets/Tests/Play/WalkTests.cs")
  T.eq("play", adapter.build_spec({ tree = play }).context.opts.mode, "a PlayMode assembly")
end)

--- The test files the stand-in host's project holds: MathTests in an Editor-only test
--- assembly, as a project with com.unity.test-framework declares one.
local HOST_FILES = {
  ["Assets/Tests/Edit/EditTests.asmdef"] = {
    '{ "name": "EditTests", "references": ["UnityEngine.TestRunner", "UnityEditor.TestRunner"],',
    '  "includePlatforms": ["Editor"], "overrideReferences": true,',
    '  "precompiledReferences": ["nunit.framework.dll"], "defineConstraints": ["UNITY_INCLUDE_TESTS"] }',
  },
  ["Assets/Tests/Edit/MathTests.cs"] = MATH,
}

local run = T.neotest_run

T.test("a run through the bridge, results mapped back to positions with errors at their lines", function()
  local dir = T.connect_shared(nil, HOST_FILES)
  local path = dir .. "/Assets/Tests/Edit/MathTests.cs"
  local tree = tree_of(path)
  local spec = adapter.build_spec({ tree = tree })
  local results, code, output = run(spec, tree)
  T.eq(1, code, "failures make a non-zero code")
  local adds = results["Game.Tests.MathTests.Adds"]
  T.eq("failed", adds.status, "Adds")
  T.eq({ { message = "Expected: 4\nBut was:  3", line = 12 } }, adds.errors, "the error at the assertion (0-based)")
  T.eq("passed", results["Game.Tests.MathTests.Pairs(1,2)"].status, "a case by its id")
  T.eq("failed", results["Game.Tests.MathTests.Pairs"].status, "an unmatched case's failure on its method")
  T.eq(17, results["Game.Tests.MathTests.Pairs"].errors[1].line, "at the method's line")
  local text = table.concat(vim.fn.readfile(output), "\n")
  T.contains(text, "failed Game.Tests.MathTests.Adds")
  T.contains(text, "Unity tests: 1 passed, 2 failed")
end)

T.test("without the Test Framework every test fails with Unity's sentence", function()
  local dir = T.project()
  for path, lines in pairs(HOST_FILES) do
    vim.fn.mkdir(vim.fs.dirname(dir .. "/" .. path), "p")
    vim.fn.writefile(lines, dir .. "/" .. path)
  end
  T.start_host(dir, { UNITY_HOST_TEST_FRAMEWORK = "none" })
  T.connect(dir)
  local tree = tree_of(dir .. "/Assets/Tests/Edit/MathTests.cs")
  local results, code = run(adapter.build_spec({ tree = tree }), tree)
  T.eq(1, code, "code")
  T.eq("failed", results["Game.Tests.MathTests.Adds"].status, "failed")
  T.contains(results["Game.Tests.MathTests.Adds"].short, "the Unity Test Framework is not installed")
end)

-- UNITY_TS_C_SHARP=<a built c_sharp parser .so> (npm's tree-sitter-c-sharp: cc -shared -fPIC
-- -Isrc src/parser.c src/scanner.c): the parser's and the scanner's findings must agree.
if vim.env.UNITY_TS_C_SHARP and vim.env.UNITY_TS_C_SHARP ~= "" then
  T.test("the tree-sitter c_sharp parser and the scanner find the same tests", function()
    vim.treesitter.language.add("c_sharp", { path = vim.env.UNITY_TS_C_SHARP })
    local csharp = require("unity.csharp")
    local attributed = vim.list_extend({}, MATH)
    table.insert(attributed, 7, '    [TestFixture, Category("math")]')
    table.insert(attributed, 11, '        [Category("fast")]')
    for _, lines in ipairs({ MATH, SCOPED, attributed }) do
      local text = table.concat(lines, "\n")
      local scanned = csharp.scan(text)
      T.truthy(#scanned > 0, "tests found")
      T.eq(scanned, csharp.tree_sitter(text), "the same tests, names and lines")
    end
  end)
end

if real then
  T.test("with real neotest and nvim-nio: the strategy's process as neotest's runner uses it", function()
    local dir = T.connect_shared(nil, HOST_FILES)
    local tree = tree_of(dir .. "/Assets/Tests/Edit/MathTests.cs")
    local spec = adapter.build_spec({ tree = tree })
    local nio = require("nio")
    local code, output, complete
    nio.run(function()
      local process = spec.strategy(spec, { position = tree:data(), adapter = adapter })
      code = process.result()
      output = process.output()
      complete = process.is_complete()
    end)
    T.wait_for(function()
      return code
    end, "the process's result")
    T.eq({ 1, true }, { code, complete }, "result and is_complete")
    local results = adapter.results(spec, { code = code, output = output }, tree)
    T.eq("failed", results["Game.Tests.MathTests.Adds"].status, "results")
  end)

  T.test("with real neotest: its client discovers the file, runs it through the adapter, records results", function()
    local dir = T.connect_shared(nil, HOST_FILES)
    local got
    require("neotest").setup({
      adapters = { adapter },
      log_level = vim.log.levels.ERROR,
      consumers = {
        capture = function(client)
          client.listeners.results = function(_, results, partial)
            if not partial then
              got = results
            end
          end
          return {}
        end,
      },
    })
    local path = dir .. "/Assets/Tests/Edit/MathTests.cs"
    vim.cmd.edit(path)
    require("neotest").run.run(path)
    T.wait_for(function()
      return got and got["Game.Tests.MathTests.Adds"]
    end, "neotest's results", 60000)
    T.eq("failed", got["Game.Tests.MathTests.Adds"].status, "Adds")
    T.eq(12, got["Game.Tests.MathTests.Adds"].errors[1].line, "at the assertion")
    T.eq("passed", got["Game.Tests.MathTests.Pairs(1,2)"].status, "a case")
  end)
end

T.run()
