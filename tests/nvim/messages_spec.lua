-- One module words every message the user sees (lua/unity/messages.lua): no other file shows
-- text with vim.notify itself.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

--- The lines of `file` that use vim.notify (or vim.notify_once) outside comments.
---@param file string
---@return string[]
local function notify_lines(file)
  local found = {}
  for i, line in ipairs(vim.fn.readfile(file)) do
    local code = line:gsub("%-%-.*$", "")
    if code:find("vim%.notify") then
      found[#found + 1] = string.format("%s:%d: %s", file:sub(#T.root + 2), i, vim.trim(line))
    end
  end
  return found
end

T.test("only lua/unity/messages.lua calls vim.notify", function()
  local files = vim.fn.globpath(T.root, "lua/unity/**/*.lua", false, true)
  vim.list_extend(files, vim.fn.globpath(T.root, "plugin/**/*.lua", false, true))
  T.truthy(#files > 10, "the plugin's Lua files are found")
  local found = {}
  for _, file in ipairs(files) do
    if not file:match("/lua/unity/messages%.lua$") then
      vim.list_extend(found, notify_lines(file))
    end
  end
  T.eq(
    "",
    table.concat(found, "\n"),
    "vim.notify outside messages.lua (word the sentence there, show it with messages.notify)"
  )
  local calls = vim.tbl_filter(function(line)
    return line:find("vim%.notify%(") ~= nil
  end, notify_lines(T.root .. "/lua/unity/messages.lua"))
  T.eq(1, #calls, "messages.notify is the one place that shows text")
end)

T.run()
