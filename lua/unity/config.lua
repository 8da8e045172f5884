--- Options of unity.nvim: defaults, validation, and the merged result every module reads.
--- The defaults live here only: the native module takes what the client passes it.
local messages = require("unity.messages")

local M = {}

---@type unity.Config
M.defaults = {
  auto_connect = true,
  queue_size = 32768,
  drain_budget_ms = 2,
  history = 10000,
  notify_compile = true,
  on_open = false,
  refresh_on_save = true,
  refresh_extensions = {},
  refresh_debounce_ms = 300,
  play_saves = true,
  play_timeout_ms = 120000,
  play_reconnect_ms = 60000,
  debug_adapter = "unity",
  test_saves = true,
  explorers = true,
  runtime = {
    clear_on_play = true,
  },
  picker = "auto",
  install = {
    releases_url = false,
  },
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

local H = {}

function H.positive(v)
  return type(v) == "number" and v > 0
end

--- A predicate: an integer of at least `min`.
---@param min integer
function H.integer(min)
  return function(v)
    return type(v) == "number" and v >= min and v == math.floor(v)
  end
end

function H.one_of(...)
  local allowed = { ... }
  return function(v)
    return vim.tbl_contains(allowed, v)
  end
end

function H.key_or_false(v)
  return v == false or (type(v) == "string" and v ~= "")
end

function H.function_or_false(v)
  return v == false or vim.is_callable(v)
end

--- `refresh_on_save`: true, false, or a function(path) deciding per file.
function H.boolean_or_function(v)
  return type(v) == "boolean" or vim.is_callable(v)
end

--- `install.releases_url`: false (the plugin's origin) or an http(s) URL.
function H.url_or_false(v)
  return v == false or (type(v) == "string" and v:match("^https?://") ~= nil)
end

--- A file name extension: letters and digits, with or without its dot.
function H.extension(v)
  return type(v) == "string" and v:match("^%.?[%w_-]+$") ~= nil
end

--- `on_open`: false, a function, or a command as a list of arguments (never a shell string).
function H.command_or_function(v)
  if v == false or vim.is_callable(v) then
    return true
  end
  ---@diagnostic disable-next-line: redundant-parameter (vim.iter's types take no predicate)
  return vim.islist(v) and #v > 0 and vim.iter(v):all(function(a)
    return type(a) == "string"
  end)
end

--- Checks of options whose type alone does not say enough, by dotted path; `a.b.*` checks
--- every key under `a.b`. Every other option must have its default's type. A key is known
--- when it has a default, or a check of its exact path (an option whose default is nil), or
--- is an item of a list with a `.*` check.
---@class unity.OptionCheck
---@field [1] fun(v: any): boolean  whether a value is valid
---@field [2] string                 what it must be, for the message

---@type table<string, unity.OptionCheck>
local CHECKS = {
  queue_size = { H.integer(1), "a positive integer" },
  history = { H.integer(1), "a positive integer" },
  drain_budget_ms = { H.positive, "a positive number of milliseconds" },
  ["log.position"] = {
    H.one_of("bottom", "top", "left", "right", "float"),
    '"bottom", "top", "left", "right" or "float"',
  },
  ["log.size"] = { H.integer(1), "a positive integer" },
  ["log.max_line"] = { H.integer(40), "a number of bytes, 40 or more" },
  ["log.keys.*"] = { H.key_or_false, "a key or false" },
  ["log.filter_entry"] = { H.function_or_false, "false or a function(entry): boolean" },
  ["log.format_entry"] = { H.function_or_false, "false or a function(entry): string|nil" },
  refresh_on_save = { H.boolean_or_function, "true, false or a function(path): boolean" },
  refresh_extensions = { vim.islist, 'a list of extensions such as { "txt", "yaml" }' },
  ["refresh_extensions.*"] = { H.extension, 'an extension such as "txt"' },
  refresh_debounce_ms = { H.integer(0), "a number of milliseconds, 0 or more" },
  play_timeout_ms = { H.integer(1), "a positive number of milliseconds" },
  play_reconnect_ms = { H.integer(1), "a positive number of milliseconds" },
  ["install.releases_url"] = { H.url_or_false, 'false or a URL such as "https://host/owner/repo/releases/download"' },
  picker = {
    H.one_of("auto", "select", "snacks", "telescope", "fzf-lua"),
    '"auto", "select", "snacks", "telescope" or "fzf-lua"',
  },
  on_open = {
    H.command_or_function,
    'false, a function, or a command as a list of strings such as { "tmux", "select-window", "-t", "%1" }',
  },
}

--- Merges `opts` over the defaults. Raises a readable error naming the bad option by its
--- dotted path: an unknown key at any level, or a value of the wrong kind.
---@param opts? table
function M.set(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("unity.nvim: setup() takes a table of options, got " .. type(opts), 0)
  end
  local merged = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts)
  for key, value in pairs(merged) do
    H.check(tostring(key), value, M.defaults[key])
  end
  M.options = merged
end

--- Checks one option (and, for a table, every key in it) against its default.
---@param path string
---@param value any
---@param default any
function H.check(path, value, default)
  -- An item of a list (a number after the last dot) is known by its list's `.*` check.
  if default == nil and not CHECKS[path] and not CHECKS[path:gsub("%.%d+$", ".*")] then
    error(messages.option_unknown(path), 0)
  end
  local check = CHECKS[path] or CHECKS[path:gsub("%.[^.]*$", ".*")]
  if check then
    if not check[1](value) then
      error(messages.option_invalid(path, check[2], value), 0)
    end
  elseif type(value) ~= type(default) then
    error(messages.option_invalid(path, "a " .. type(default), value), 0)
  end
  if type(value) == "table" and type(default) == "table" then
    for key, v in pairs(value) do
      H.check(path .. "." .. tostring(key), v, default[key])
    end
  end
end

return M
