--- snacks.nvim's picker (docs/picker.md: `Snacks.picker.pick(opts)` with `items`, the "file"
--- previewer, a `confirm` function).
local M = {}

--- The picker's items: `snacks.picker.finder.Item`, `pos` = {line (1-based), col (0-based)}.
---@param items unity.PickItem[]
---@return table[]
function M.items(items)
  local out = {}
  for i, item in ipairs(items) do
    out[i] = {
      text = item.text,
      file = item.file,
      pos = item.file and { item.lnum or 1, math.max(0, (item.col or 1) - 1) } or nil,
      unity = item,
    }
  end
  return out
end

---@param items unity.PickItem[]
---@param title string
---@param on_choice fun(item: unity.PickItem|nil)
function M.pick(items, title, on_choice)
  ---@diagnostic disable-next-line: undefined-field (snacks.nvim is optional, unknown when checking)
  require("snacks").picker.pick({
    title = title,
    items = M.items(items),
    format = "text",
    preview = "file",
    confirm = function(picker, item)
      picker:close()
      if item then
        vim.schedule(function()
          on_choice(item.unity)
        end)
      end
    end,
  })
end

return M
