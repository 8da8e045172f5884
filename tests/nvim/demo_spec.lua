-- `make demo` works on a machine without Unity (here without a terminal: it prints a transcript).
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

T.test("make demo streams the peer (unity-peer editor) and shows its compile error", function()
  local res = vim
    .system({ "sh", T.root .. "/tests/demo/demo.sh", vim.uv.exepath() }, { text = true, stdin = false })
    :wait(60000)
  T.eq(0, res.code, "exit code; stderr: " .. (res.stderr or ""))
  local out = res.stdout
  T.contains(out, "connected to Unity", "connection")
  T.contains(out, "LOG  [Player] Spawned at", "a streamed log line")
  T.contains(out, "Assets/Scripts/Enemy.cs|10 col 1 error| CS1029", "the compile error in the quickfix list")
  T.contains(out, "Unity compiled in", "the compile summary")
  T.contains(out, "Entered play mode", ":UnityPlay reached the editor")
  T.eq(
    nil,
    vim.uv.fs_stat(T.root .. "/tests/demo/project/Temp/NeovimBridge"),
    "the peer (unity-peer editor) quit cleanly"
  )
end)

T.run()
