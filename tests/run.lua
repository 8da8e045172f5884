-- Runs every *_spec.lua under the given folder, each in its own headless Neovim (so that no
-- state leaks between files), and prints one closing line "N passed, M failed".
local dir = assert(arg[1], "usage: nvim --headless --clean -l tests/run.lua <folder> [pattern]")
local pattern = arg[2]
local nvim = vim.uv.exepath()
local files = vim.fn.globpath(dir, "*_spec.lua", false, true)
table.sort(files)
local passed, failed = 0, 0
for _, file in ipairs(files) do
  if not pattern or file:find(pattern, 1, true) then
    io.stdout:write("# " .. file .. "\n")
    local res = vim.system({ nvim, "--headless", "--clean", "-l", file }, { text = true }):wait(600000)
    io.stdout:write(res.stdout or "")
    if res.stderr and res.stderr ~= "" then
      io.stdout:write(res.stderr:gsub("\n?$", "\n"), "")
    end
    local p, f = (res.stdout or ""):match("\n?(%d+) passed, (%d+) failed%s*$")
    if p then
      passed, failed = passed + tonumber(p), failed + tonumber(f)
    end
    if not p or res.code ~= 0 then
      if not p or tonumber(f) == 0 then
        io.stdout:write(string.format("not ok - %s exited with code %s without a result\n", file, tostring(res.code)))
        failed = failed + 1
      end
    end
  end
end
io.stdout:write(string.format("nvim: %d passed, %d failed\n", passed, failed))
os.exit(failed == 0 and passed > 0 and 0 or 1)
