-- :UnityNew fills script templates as Unity's ProjectWindowUtil.PreprocessScriptAssetTemplate
-- and RemoveOrInsertNamespace do (the same in 2021.3.58f1 and 6000.x): #NOTRIM# removed,
-- #NAME# and #SCRIPTNAME# (no spaces), the root namespace around the lines between the tags,
-- indented as the begin tag is, lines of only white space left as they are, #SCRIPTNAME_LOWER#.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")
local new = require("unity.assets.new")

local TEMPLATE = {
  "using UnityEngine;",
  "",
  "    #ROOTNAMESPACEBEGIN#",
  "public class #SCRIPTNAME# : MonoBehaviour",
  "{",
  "    // #NAME# #SCRIPTNAME_LOWER#",
  "    void Start()",
  "    {",
  "        #NOTRIM#",
  "    }",
  "}",
  "#ROOTNAMESPACEEND#",
  "",
}

local function project()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/ScriptTemplates", "p")
  vim.fn.writefile(TEMPLATE, dir .. "/Assets/ScriptTemplates/80-Custom__My Thing-NewThing.cs.txt", "b")
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  return dir
end

T.test("a project template in an assembly with a root namespace", function()
  local dir = project()
  vim.fn.mkdir(dir .. "/Assets/Game", "p")
  vim.fn.writefile({ '{ "name": "Game", "rootNamespace": "Acme.Game" }' }, dir .. "/Assets/Game/Game.asmdef")
  vim.cmd.cd(dir)
  local path, failure = new.new("my-thing", "Assets/Game/Big Boss")
  T.eq(dir .. "/Assets/Game/Big Boss.cs", path, vim.inspect(failure))
  T.eq({
    "using UnityEngine;",
    "",
    "namespace Acme.Game",
    "{",
    "    public class BigBoss : MonoBehaviour",
    "    {",
    "        // Big Boss bigBoss",
    "        void Start()",
    "        {",
    "        ",
    "        }",
    "    }",
    "}",
    "",
  }, vim.fn.readfile(path, "b"), "filled as Unity fills it")
  T.eq(path, vim.api.nvim_buf_get_name(0), "opened")
  T.eq(10, vim.api.nvim_win_get_cursor(0)[1], "at the place to type")
end)

T.test("no root namespace: the tags and the line breaks before them go", function()
  local dir = project()
  vim.cmd.cd(dir)
  vim.cmd("UnityNew my-thing Assets/Scripts/enemy")
  T.eq({
    "using UnityEngine;",
    "",
    "public class enemy : MonoBehaviour",
    "{",
    "    // enemy myEnemy",
    "    void Start()",
    "    {",
    "        ",
    "    }",
    "}",
    "",
  }, vim.fn.readfile(dir .. "/Assets/Scripts/enemy.cs", "b"))
  T.eq(8, vim.api.nvim_win_get_cursor(0)[1], "at the place to type")
end)

T.test("the root namespace: the assembly's, else the project's, as each Unity version gives it", function()
  local dir = T.project()
  vim.fn.mkdir(dir .. "/Assets/Tools", "p")
  vim.fn.writefile({ '{ "name": "Tools" }' }, dir .. "/Assets/Tools/Tools.asmdef")
  vim.fn.writefile(
    { "EditorSettings:", "  m_ProjectGenerationRootNamespace: Acme" },
    dir .. "/ProjectSettings/EditorSettings.asset"
  )
  T.eq("Acme", new.root_namespace(dir, "Assets/Scripts/A.cs"), "no assembly definition: the project's")
  T.eq("Acme", new.root_namespace(dir, "Assets/Tools/A.cs"), "2022.3+: an assembly without one takes the project's")
  vim.fn.writefile({ "m_EditorVersion: 2021.3.45f1" }, dir .. "/ProjectSettings/ProjectVersion.txt")
  T.eq(nil, new.root_namespace(dir, "Assets/Tools/A.cs"), "2021.3: an assembly without one has none")
  T.eq("Acme", new.root_namespace(dir, "Assets/Scripts/A.cs"), "2021.3: no assembly definition: the project's")
end)

T.test("built-in templates without the editor's, and refusals", function()
  local dir = T.project()
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.cmd.cd(dir)
  vim.cmd("UnityNew Enemy")
  local path = dir .. "/Assets/Enemy.cs"
  T.eq("public class Enemy : MonoBehaviour", vim.fn.readfile(path)[5], "the MonoBehaviour by default, in Assets/")
  T.eq(10, vim.api.nvim_win_get_cursor(0)[1], "in Start()")
  vim.cmd("UnityNew scriptableobject-script Settings")
  T.eq(dir .. "/Assets/Settings.cs", vim.api.nvim_buf_get_name(0), "next to the current script")
  T.eq("public class Settings : ScriptableObject", vim.fn.readfile(dir .. "/Assets/Settings.cs")[4])

  local _, failure = new.new(nil, "Enemy")
  T.eq("asset_exists", failure and failure.kind, "not overwritten")
  T.clear_notes()
  vim.cmd("UnityNew nope Other")
  T.truthy(T.noted('no script template "nope" here: use one of '), vim.inspect(T.notes))
  T.eq(nil, vim.uv.fs_stat(dir .. "/Assets/Other.cs"), "nothing made")
end)

-- Unity's stock templates (tests/script_templates/, README there says where each was read) and
-- what each Unity version writes for them, worked out by hand from ProjectWindowUtil: the
-- #NOTRIM# lines keep their white space and, being blank, are not indented in a namespace.
local STOCK = T.root .. "/tests/script_templates/"

local function stock(file)
  return vim.fn.readfile(STOCK .. file, "b")
end

local MB_2021 = "2021.3/81-C# Script-NewBehaviourScript.cs.txt"
local MB_6000 = "6000/1-Scripting__MonoBehaviour Script-NewMonoBehaviourScript.cs.txt"
local SO_6000 = "6000/2-Scripting__ScriptableObject Script-NewScriptableObjectScript.cs.txt"
local EMPTY_6000 = "6000/3-Scripting__Empty C# Script-NewEmptyCSharpScript.cs.txt"
local TEST_6000 = "6000/83-C# Script-NewTestScript.cs.txt"

local CASES = {
  {
    version = "2021.3.45f1",
    file = MB_2021,
    rel = "Assets/Scripts/Enemy.cs",
    want = {
      "using System.Collections;",
      "using System.Collections.Generic;",
      "using UnityEngine;",
      "",
      "public class Enemy : MonoBehaviour",
      "{",
      "    // Start is called before the first frame update",
      "    void Start()",
      "    {",
      "        ",
      "    }",
      "",
      "    // Update is called once per frame",
      "    void Update()",
      "    {",
      "        ",
      "    }",
      "}",
      "",
    },
  },
  {
    version = "2021.3.45f1",
    file = MB_2021,
    rel = "Assets/Game/Enemy.cs",
    want = {
      "using System.Collections;",
      "using System.Collections.Generic;",
      "using UnityEngine;",
      "",
      "namespace Acme.Game",
      "{",
      "    public class Enemy : MonoBehaviour",
      "    {",
      "        // Start is called before the first frame update",
      "        void Start()",
      "        {",
      "        ",
      "        }",
      "",
      "        // Update is called once per frame",
      "        void Update()",
      "        {",
      "        ",
      "        }",
      "    }",
      "}",
      "",
    },
  },
  {
    version = "6000.0.30f1",
    file = MB_6000,
    rel = "Assets/Scripts/Enemy.cs",
    want = {
      "using UnityEngine;",
      "",
      "public class Enemy : MonoBehaviour",
      "{",
      "    // Start is called once before the first execution of Update after the MonoBehaviour is created",
      "    void Start()",
      "    {",
      "        ",
      "    }",
      "",
      "    // Update is called once per frame",
      "    void Update()",
      "    {",
      "        ",
      "    }",
      "}",
      "",
    },
  },
  {
    version = "6000.0.30f1",
    file = MB_6000,
    rel = "Assets/Game/Enemy.cs",
    want = {
      "using UnityEngine;",
      "",
      "namespace Acme.Game",
      "{",
      "    public class Enemy : MonoBehaviour",
      "    {",
      "        // Start is called once before the first execution of Update after the MonoBehaviour is created",
      "        void Start()",
      "        {",
      "        ",
      "        }",
      "",
      "        // Update is called once per frame",
      "        void Update()",
      "        {",
      "        ",
      "        }",
      "    }",
      "}",
      "",
    },
  },
  {
    version = "6000.0.30f1",
    file = SO_6000,
    rel = "Assets/Game/Game Settings.cs",
    want = {
      "using UnityEngine;",
      "",
      "namespace Acme.Game",
      "{",
      '    [CreateAssetMenu(fileName = "GameSettings", menuName = "Scriptable Objects/GameSettings")]',
      "    public class GameSettings : ScriptableObject",
      "    {",
      "    ",
      "    }",
      "}",
      "",
    },
  },
  {
    version = "6000.0.30f1",
    file = EMPTY_6000,
    rel = "Assets/Scripts/Helper.cs",
    want = { "using UnityEngine;", "", "public class Helper", "{", "    ", "}", "" },
  },
  {
    version = "6000.0.30f1",
    file = TEST_6000,
    rel = "Assets/Scripts/EnemyTests.cs",
    want = {
      "using System.Collections;",
      "using NUnit.Framework;",
      "using UnityEngine;",
      "using UnityEngine.TestTools;",
      "",
      "public class EnemyTests",
      "{",
      "    // A Test behaves as an ordinary method",
      "    [Test]",
      "    public void EnemyTestsSimplePasses()",
      "    {",
      "        // Use the Assert class to test conditions",
      "    }",
      "",
      "    // A UnityTest behaves like a coroutine in Play Mode. In Edit Mode you can use",
      "    // `yield return null;` to skip a frame.",
      "    [UnityTest]",
      "    public IEnumerator EnemyTestsWithEnumeratorPasses()",
      "    {",
      "        // Use the Assert class to test conditions.",
      "        // Use yield to skip a frame.",
      "        yield return null;",
      "    }",
      "}",
      "",
    },
  },
}

--- A project of `version` whose Assets/Game assembly has the root namespace Acme.Game.
local function versioned(version)
  local dir = T.project()
  vim.fn.writefile({ "m_EditorVersion: " .. version }, dir .. "/ProjectSettings/ProjectVersion.txt")
  vim.fn.mkdir(dir .. "/Assets/Game", "p")
  vim.fn.writefile({ '{ "name": "Game", "rootNamespace": "Acme.Game" }' }, dir .. "/Assets/Game/Game.asmdef")
  return dir
end

T.test("Unity's stock templates filled as Unity 2021.3 and 6000 fill them", function()
  for _, case in ipairs(CASES) do
    local dir = versioned(case.version)
    local text = table.concat(stock(case.file), "\n")
    T.eq(table.concat(case.want, "\n"), new.fill(text, dir, case.rel), case.file .. " as " .. case.rel)
  end
end)

T.test(":UnityNew with a stock template in the project's ScriptTemplates writes what Unity writes", function()
  local dir = versioned("2021.3.45f1")
  vim.fn.mkdir(dir .. "/Assets/ScriptTemplates", "p")
  vim.fn.writefile(stock(MB_2021), dir .. "/Assets/ScriptTemplates/81-C# Script-NewBehaviourScript.cs.txt", "b")
  T.defer(function()
    vim.cmd("silent! %bwipeout!")
  end)
  vim.cmd.cd(dir)
  vim.cmd("UnityNew c-script Assets/Game/Enemy")
  T.eq(CASES[2].want, vim.fn.readfile(dir .. "/Assets/Game/Enemy.cs", "b"))
  T.eq(12, vim.api.nvim_win_get_cursor(0)[1], "at the first #NOTRIM#, in Start()")
end)

T.test("the built-in templates are Unity's stock ones of the project's version", function()
  local old = new.templates(versioned("2021.3.45f1"))
  T.eq(stock(MB_2021), old["monobehaviour-script"], "2021.3's C# Script")
  local six = new.templates(versioned("6000.0.30f1"))
  T.eq(stock(MB_6000), six["monobehaviour-script"], "6000's MonoBehaviour Script")
  T.eq(stock(SO_6000), six["scriptableobject-script"], "6000's ScriptableObject Script")
  T.eq(stock(EMPTY_6000), six["empty-c-script"], "6000's Empty C# Script")
  T.eq(stock(TEST_6000), six["test-script"], "6000's Test Script")
end)

T.run()
