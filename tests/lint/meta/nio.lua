---@meta nio
-- nvim-nio (neotest's dependency) as lua/neotest-unity uses it, for the type checker only.
local nio = { control = {} }

---@class nio.control.Future
---@field set fun(value: any)
---@field is_set fun(): boolean
---@field wait fun(): any

---@return nio.control.Future
function nio.control.future() end

return nio
