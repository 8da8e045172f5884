-- `make demo` without a terminal: run the same session headless and print what the log window
-- and the quickfix list show.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
vim.opt.rtp:prepend(root)
vim.cmd.runtime("plugin/unity.lua")
local unity = require("unity")
vim.notify = function(msg)
  io.stdout:write("[notify] " .. msg .. "\n")
end
assert(require("unity.client").connect())
vim.wait(10000, function()
  return unity.status().connected
end)
vim.wait(2500)
vim.cmd("UnityCompile")
vim.wait(10000, function()
  return vim.fn.getqflist({ title = 0 }).title == "Unity compile"
end)
-- At once: :UnityPlay would refuse to play with the compile error the demo shows.
vim.cmd("UnityPlay!")
vim.wait(1500)
io.stdout:write("\n:UnityLog\n")
for _, l in ipairs(vim.api.nvim_buf_get_lines(require("unity.log").buf(), 0, -1, false)) do
  io.stdout:write("  " .. l .. "\n")
end
io.stdout:write("\n:copen  (" .. vim.fn.getqflist({ title = 0 }).title .. ")\n")
for _, item in ipairs(vim.fn.getqflist()) do
  io.stdout:write(
    string.format(
      "  %s|%d col %d %s| %s\n",
      vim.fn.fnamemodify(vim.api.nvim_buf_get_name(item.bufnr), ":."),
      item.lnum,
      item.col,
      item.type == "E" and "error" or "warning",
      item.text
    )
  )
end
io.stdout:write("\nstatusline: " .. unity.statusline() .. "\n")
vim.cmd("qa!")
