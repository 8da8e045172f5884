-- Configuration of `make demo`: unity.nvim as a user would set it up, nothing else.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h:h")
vim.opt.rtp:prepend(root)
vim.opt.shadafile = "NONE"
vim.opt.termguicolors = true
vim.g.mapleader = " "
vim.cmd.runtime("plugin/unity.lua")
require("unity").setup({ log = { size = 14 } })

vim.keymap.set("n", "<leader>uc", "<Plug>(unity-compile)", { desc = "Unity: compile" })
vim.keymap.set("n", "<leader>ul", "<Plug>(unity-log)", { desc = "Unity: log window" })
vim.keymap.set("n", "<leader>up", "<Plug>(unity-play)", { desc = "Unity: play" })
vim.keymap.set("n", "<leader>us", "<Plug>(unity-stop)", { desc = "Unity: stop" })
vim.o.statusline = "%f %m%=%{v:lua.require'unity'.statusline()}  %l:%c "

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = vim.schedule_wrap(function()
    require("unity").open_log()
    vim.cmd.wincmd("p")
    -- One line in an 80-column terminal: a longer echo stops the user at a hit-enter prompt.
    vim.api.nvim_echo({ { "demo: <Space>uc compile, <Space>up/<Space>us play/stop, :qa quit" } }, false, {})
  end),
})
