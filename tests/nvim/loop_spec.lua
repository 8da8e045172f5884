-- The save-compile-play loop against the real Unity package in the stand-in editor (Mono):
-- saving a script refreshes Unity, whose compile fills quickfix; :UnityPlay refuses while it
-- fails and, once the buffer is fixed, saves, waits for the compile and its reload, and plays;
-- the game's exceptions then land at the throwing line as one counted diagnostic.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

local unity = require("unity")

local ENEMY = {
  "public class Enemy",
  "{",
  "    int hp = 3;",
  "    public void Update()",
  "    {",
  "        object target = null;",
  "        hp += target.GetHashCode();",
  "    }",
  "}",
}

local function playing()
  return unity.status().playing == true
end

T.test("save, compile, play: errors refuse play, the fixed buffer is saved, compiled and played", function()
  local dir = T.project()
  T.start_host(dir)
  T.connect(dir)
  unity.setup({})
  T.clear_notes()
  local compiled = T.counter("UnityCompileFinished")
  local file = dir .. "/Assets/Scripts/Enemy.cs"

  -- Saving is enough: the refresh on save makes Unity compile, and its error lands in quickfix.
  vim.cmd.edit(file)
  local broken = vim.deepcopy(ENEMY)
  broken[3] = '    int hp = "three";'
  vim.api.nvim_buf_set_lines(0, 0, -1, false, broken)
  vim.cmd.write()
  T.wait_for(function()
    return compiled() == 1
  end, "the compile that the save started", 60000)
  local qf = vim.fn.getqflist()
  T.eq(1, #qf, "one error in quickfix: " .. vim.inspect(qf))
  T.eq(file, vim.fn.fnamemodify(vim.api.nvim_buf_get_name(qf[1].bufnr), ":p"), "at the script")
  T.eq(3, qf[1].lnum, "at the line")

  -- :UnityPlay refuses while the scripts do not compile.
  T.clear_notes()
  vim.cmd("UnityPlay")
  T.wait_for(function()
    return not require("unity.play").waiting()
  end, "the play request to end", 60000)
  T.truthy(not playing(), "not playing with a compile error")
  T.truthy(T.noted("error"), "said why: " .. vim.inspect(T.notes))

  -- Fixed in the buffer, not written: :UnityPlay saves, Unity compiles, reloads and plays.
  vim.api.nvim_buf_set_lines(0, 2, 3, false, { ENEMY[3] })
  T.truthy(vim.bo.modified, "the fix is not saved yet")
  vim.cmd("UnityPlay")
  T.wait_for(playing, "play mode after the clean compile", 90000)
  T.truthy(not vim.bo.modified, ":UnityPlay saved the buffer")
  T.eq(ENEMY, vim.fn.readfile(file), "the fix on disk")
  T.eq(0, #vim.fn.getqflist(), "quickfix emptied by the clean compile")
  T.truthy(compiled() >= 2, "a second compile ran")

  -- The game throws at Enemy.cs:7 every frame: one diagnostic there, counting them.
  T.eq({ frames = 3, exceptions = 3 }, T.call("host.playerloop", { type = "Enemy", frames = 3 }).result)
  local ns = vim.api.nvim_create_namespace("unity.runtime")
  local d = T.wait_for(function()
    local got = vim.diagnostic.get(0, { namespace = ns })
    return #got == 1 and got[1].message:find("×3", 1, true) and got
  end, "the exceptions' diagnostic at the throwing line", 20000)
  T.eq(6, d[1].lnum, "at line 7 (0-based 6): " .. vim.inspect(d))
  T.truthy(d[1].message:find("^NullReferenceException"), d[1].message)
  vim.cmd("UnityClear")
  T.eq(0, #vim.diagnostic.get(0, { namespace = ns }), ":UnityClear forgets them")
end)

T.test(
  "an editor that ticks slowly, playing with 'Recompile After Finished Playing': said once, compiled after play",
  function()
    local dir = T.project()
    T.start_host(dir, { UNITY_HOST_TICK_MS = "250", UNITY_HOST_PREF_ScriptCompilationDuringPlay = "1" })
    T.connect(dir)
    unity.setup({})
    local compiled = T.counter("UnityCompileFinished")
    vim.cmd("UnityPlay!")
    T.wait_for(playing, "play mode", 60000)
    -- Unity answers `play` before the mode changes: the words wait for the state that says so.
    T.wait_for(function()
      return T.noted("Unity entered play mode")
    end, "play mode said: " .. vim.inspect(T.notes))
    T.clear_notes()
    local said = function()
      return #vim.tbl_filter(function(n)
        return n.msg:find("does not compile the saved scripts now", 1, true) ~= nil
      end, T.notes)
    end
    vim.cmd.edit(dir .. "/Assets/Scripts/Enemy.cs")
    vim.api.nvim_buf_set_lines(0, 0, -1, false, ENEMY)
    vim.cmd.write()
    T.wait_for(function()
      return said() == 1
    end, "Unity's deferral said", 30000)
    vim.api.nvim_buf_set_lines(0, -1, -1, false, { "// again" })
    vim.cmd.write()
    vim.wait(2500)
    T.eq(1, said(), "said once per play session")
    T.eq(0, compiled(), "nothing compiled during play")
    vim.cmd("UnityStop")
    T.wait_for(function()
      return compiled() == 1
    end, "the compile once play mode stopped", 60000)
    T.wait_for(function()
      return T.noted("Unity left play mode")
    end, "leaving play mode said: " .. vim.inspect(T.notes))
  end
)

T.run()
