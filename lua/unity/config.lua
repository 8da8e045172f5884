--- Options of unity.nvim: defaults, validation, and the merged result every module reads.
local M = {}

---@type unity.Config
M.defaults = {
  auto_connect = true,
  queue_size = 32768,
  drain_budget_ms = 2,
  history = 10000,
  notify_compile = true,
  log = {
    position = "bottom",
    size = 12,
    max_line = 500,
    collapse = false,
    levels = { error = true, warning = true, log = true },
    clear_on_play = false,
    clear_on_compile = false,
    look = {
      labels = { log = "LOG ", warning = "WARN", error = "ERR ", exception = "EXC ", assert = "ASRT" },
      clock = "%H:%M:%S.%f",
      indent = "  ",
      stack_indent = "    ",
      count = "  (×%d)",
      marker = "── %s ──",
      cut = " … (%d more bytes, %k shows all)",
    },
    filter_entry = false,
    format_entry = false,
    keys = {
      jump = "<CR>",
      expand = "<Tab>",
      expand_all = "zR",
      hide_all = "zM",
      show_full = "K",
      errors = "E",
      warnings = "W",
      logs = "L",
      filter = "f",
      clear_filter = "F",
      scope = "S",
      collapse = "c",
      clear = "C",
      quickfix = "Q",
      close = "q",
      help = "g?",
    },
  },
}

---@type unity.Config
M.options = vim.deepcopy(M.defaults)

local function positive(n)
  return type(n) == "number" and n > 0
end

--- Merges `opts` over the defaults. Raises a readable error naming the bad option.
---@param opts? table
function M.set(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("unity.nvim: setup() takes a table of options, got " .. type(opts), 0)
  end
  local merged = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts)
  local function check(name, value, pred, expected)
    if not pred(value) then
      error(string.format("unity.nvim: option %s must be %s, got %s", name, expected, vim.inspect(value)), 0)
    end
  end
  check("auto_connect", merged.auto_connect, function(v) return type(v) == "boolean" end, "a boolean")
  check("notify_compile", merged.notify_compile, function(v) return type(v) == "boolean" end, "a boolean")
  check("queue_size", merged.queue_size, function(v) return positive(v) and v == math.floor(v) end, "a positive integer")
  check("history", merged.history, function(v) return positive(v) and v == math.floor(v) end, "a positive integer")
  check("drain_budget_ms", merged.drain_budget_ms, positive, "a positive number of milliseconds")
  check("log", merged.log, function(v) return type(v) == "table" end, "a table")
  local log = merged.log
  check("log.position", log.position, function(v)
    return v == "bottom" or v == "top" or v == "left" or v == "right" or v == "float"
  end, '"bottom", "top", "left", "right" or "float"')
  check("log.size", log.size, function(v) return positive(v) and v == math.floor(v) end, "a positive integer")
  check("log.max_line", log.max_line, function(v) return positive(v) and v >= 40 end, "a number of bytes, 40 or more")
  for _, key in ipairs({ "collapse", "clear_on_play", "clear_on_compile" }) do
    check("log." .. key, log[key], function(v) return type(v) == "boolean" end, "a boolean")
  end
  check("log.levels", log.levels, function(v)
    return type(v) == "table" and type(v.error) == "boolean" and type(v.warning) == "boolean" and type(v.log) == "boolean"
  end, "a table { error = bool, warning = bool, log = bool }")
  for action, key in pairs(log.keys) do
    check("log.keys." .. action, key, function(v) return v == false or (type(v) == "string" and v ~= "") end, "a key or false")
    check("log.keys." .. action, action, function(a) return M.defaults.log.keys[a] ~= nil end, "one of the actions in :help unity-log-keys")
  end
  for key in pairs(opts) do
    if M.defaults[key] == nil then
      error(string.format("unity.nvim: unknown option %q (see :help unity-options)", key), 0)
    end
  end
  M.options = merged
end

return M
