--- telescope.nvim (developers.md: `pickers.new` with `finders.new_table` and an `entry_maker`,
--- `conf.generic_sorter`, `conf.grep_previewer` for file:line entries, and
--- `actions.select_default:replace`).
local M = {}

--- The entry of an item: `value`, `display`, `ordinal`, and `filename`/`lnum`/`col` that the
--- grep previewer shows.
---@param item unity.PickItem
---@return table
function M.entry(item)
  return {
    value = item,
    display = item.text,
    ordinal = item.text,
    filename = item.file,
    lnum = item.lnum,
    col = item.col,
  }
end

---@param items unity.PickItem[]
---@param title string
---@param on_choice fun(item: unity.PickItem|nil)
function M.pick(items, title, on_choice)
  -- telescope is optional: not installed when the types are checked.
  ---@diagnostic disable: unresolved-require
  local pickers = require("telescope.pickers")
  local finders = require("telescope.finders")
  local conf = require("telescope.config").values
  local actions = require("telescope.actions")
  local action_state = require("telescope.actions.state")
  ---@diagnostic enable: unresolved-require
  local opts = {}
  pickers
    .new(opts, {
      prompt_title = title,
      finder = finders.new_table({ results = items, entry_maker = M.entry }),
      sorter = conf.generic_sorter(opts),
      previewer = conf.grep_previewer(opts),
      attach_mappings = function(prompt_bufnr)
        actions.select_default:replace(function()
          local selection = action_state.get_selected_entry()
          actions.close(prompt_bufnr)
          on_choice(selection and selection.value)
        end)
        return true
      end,
    })
    :find()
end

return M
