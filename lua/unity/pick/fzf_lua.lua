--- fzf-lua (README: `fzf_exec(contents, opts)`; the "builtin" previewer shows entries written
--- `file:line:col: text`; `actions.default` gets the selected lines).
local M = {}

--- The lines fzf shows, and the item of each line. Items without a file are shown as text.
---@param items unity.PickItem[]
---@return string[] lines, table<string, unity.PickItem> by_line
function M.lines(items)
  local lines, by_line = {}, {}
  for i, item in ipairs(items) do
    local text = item.text:gsub("[\r\n]", " ")
    local line = item.file and string.format("%s:%d:%d: %s", item.file, item.lnum or 1, item.col or 1, text)
      or string.format("%d: %s", i, text)
    lines[i] = line
    by_line[line] = item
  end
  return lines, by_line
end

---@param items unity.PickItem[]
---@param title string
---@param on_choice fun(item: unity.PickItem|nil)
function M.pick(items, title, on_choice)
  local lines, by_line = M.lines(items)
  ---@diagnostic disable-next-line: unresolved-require (optional, not installed when checking)
  require("fzf-lua").fzf_exec(lines, {
    prompt = title .. "> ",
    previewer = "builtin",
    actions = {
      default = function(selected)
        on_choice(selected and by_line[selected[1]])
      end,
    },
  })
end

return M
