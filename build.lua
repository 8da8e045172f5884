-- lazy.nvim runs this file after installing or updating the plugin (in a coroutine: what it
-- yields is shown as progress); `nvim -l build.lua` runs it by hand. It installs the native
-- module: the release's library for this system, else a build with cargo (:help :UnityBuild).
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
if not vim.tbl_contains(vim.api.nvim_list_runtime_paths(), root) then
  vim.opt.rtp:append(root)
end
require("unity.install").build_file()
