---@meta neotest.types.tree
-- neotest's Tree module as lua/neotest-unity uses it (see ../../neotest.lua).
local M = {}

---@param data table nested lists of positions, as neotest's `from_list` takes them
---@param key fun(pos: neotest.Position): string
---@return neotest.Tree
function M.from_list(data, key) end

return M
