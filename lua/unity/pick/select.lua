--- The `vim.ui.select` picker (whatever the user's UI makes of it; no preview of its own).
local M = {}

--- What the list shows for an item: its text and where it is.
---@param item unity.PickItem
---@return string
function M.format(item)
  if not item.file then
    return item.text
  end
  return string.format("%s  %s:%d", item.text, vim.fn.fnamemodify(item.file, ":~:."), item.lnum or 1)
end

---@param items unity.PickItem[]
---@param title string
---@param on_choice fun(item: unity.PickItem|nil)
function M.pick(items, title, on_choice)
  vim.ui.select(items, { prompt = title, format_item = M.format, kind = "unity" }, function(item)
    on_choice(item)
  end)
end

return M
