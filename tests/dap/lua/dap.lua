-- A stand-in for nvim-dap, for tests/nvim/debug_spec.lua only: the part of its API that
-- unity.nvim calls, behaving as mfussenegger/nvim-dap's lua/dap.lua does (read at commit
-- 9e848e0; `:help dap-providers-configs`). `run` starts an `executable` adapter and speaks
-- DAP to it as nvim-dap's session does for an attach; it records every run. None of
-- nvim-dap's code is here.
local M = {
  adapters = {},
  configurations = {},
  ---@type {config: table, opts: table, session: table}[]
  runs = {},
}

-- As `M.providers` in dap.lua: `configs` takes any key, `providers` itself no new one.
M.providers = setmetatable({ configs = {} }, {
  __newindex = function()
    error("Cannot add item to dap.providers")
  end,
})

--- What nvim-dap says of a config whose adapter is not defined (dap.lua, `M.run`'s
--- `trigger_run`).
local function missing(config)
  vim.notify(
    string.format(
      "Config references missing adapter `%s`. Available are: %s",
      config.type,
      table.concat(vim.tbl_keys(M.adapters), ", ")
    ),
    vim.log.levels.ERROR
  )
end

--- One DAP message from `buf` (Content-Length header, body), or nil and `buf` unchanged.
local function take(buf)
  local head_end = buf:find("\r\n\r\n", 1, true)
  local length = head_end and tonumber(buf:sub(1, head_end):match("[Cc]ontent%-[Ll]ength:%s*(%d+)"))
  if not length or #buf < head_end + 3 + length then
    return nil, buf
  end
  local body = buf:sub(head_end + 4, head_end + 3 + length)
  return vim.json.decode(body), buf:sub(head_end + 4 + length)
end

--- Spawns an executable adapter and attaches as nvim-dap's `Session:initialize` does:
--- `initialize`, then the configuration's request with the configuration as arguments; on the
--- adapter's `initialized` event, `configurationDone` (`Session:event_initialized`, which first
--- sends breakpoints: there are none here). The session table records what came back.
local function start(adapter, config)
  local session = { responses = {}, events = {}, output = "" }
  local seq, buf = 0, ""
  local proc
  local function request(command, arguments)
    seq = seq + 1
    local body = vim.json.encode({ seq = seq, type = "request", command = command, arguments = arguments })
    proc:write(string.format("Content-Length: %d\r\n\r\n%s", #body, body))
  end
  local function handle(msg)
    if msg.type == "response" then
      session.responses[msg.command] = msg
      if msg.command == "initialize" then
        request(config.request, config)
      end
    elseif msg.type == "event" then
      session.events[#session.events + 1] = msg.event
      if msg.event == "initialized" then
        request("configurationDone", vim.empty_dict())
      elseif msg.event == "output" then
        session.output = session.output .. msg.body.output
      end
    end
  end
  proc = vim.system(vim.list_extend({ adapter.command }, adapter.args or {}), {
    stdin = true,
    text = true,
    stdout = function(_, data)
      buf = buf .. (data or "")
      local msg
      msg, buf = take(buf)
      while msg do
        vim.schedule_wrap(handle)(msg)
        msg, buf = take(buf)
      end
    end,
  }, function(res)
    session.exit = res
  end)
  session.proc = proc
  request("initialize", { clientID = "neovim", adapterID = "nvim-dap", pathFormat = "path" })
  return session
end

--- As nvim-dap's `run` for what unity.nvim gives it: a table adapter, or a function that
--- resolves one.
function M.run(config, opts)
  assert(type(config) == "table", "dap.run() must be called with a valid configuration")
  local record = { config = config, opts = opts or {} }
  M.runs[#M.runs + 1] = record
  local adapter = M.adapters[config.type]
  if type(adapter) == "function" then
    adapter(function(resolved)
      record.session = start(resolved, config)
    end, config)
  elseif type(adapter) == "table" then
    assert(adapter.type == "executable", "the stand-in starts executable adapters only")
    record.session = start(adapter, config)
  else
    missing(config)
  end
end

--- Ends every adapter this stand-in started (nvim-dap's `close` ends the current session; this
--- one keeps no current session).
function M.close()
  for _, r in ipairs(M.runs) do
    if r.session and not r.session.exit then
      r.session.proc:write(nil)
      r.session.proc:wait(10000)
    end
  end
end

return M
