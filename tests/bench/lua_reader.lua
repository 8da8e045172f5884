-- The pure-Lua baseline: what a Lua-only plugin reading this protocol does today. A vim.uv pipe
-- on the FIFO, the protocol's framing in Lua (magic, length, NOT of the length; the CRC is NOT
-- checked, which flatters this reader), vim.mpack.decode, then one vim.schedule callback and one
-- nvim_buf_set_lines per message into a buffer shown in a split, following the tail.
local uv = vim.uv
local M = {}

-- O_RDONLY | O_NONBLOCK on Linux: opening a FIFO must not wait for the writer.
local O_RDONLY_NONBLOCK = 0x800

---@param path string  the FIFO
---@param on_shown fun(entries: table[], lost: integer)  called after each message is in the buffer
function M.new(path, on_shown)
  local self = { path = path, hello = nil, corrupt = 0, bytes = 0 }
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].buftype, vim.bo[buf].swapfile, vim.bo[buf].undolevels = "nofile", false, -1
  vim.cmd("botright 12split")
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, buf)
  self.buf, self.win = buf, win

  local function show(msg)
    local lines = {}
    local header = string.format(
      "%s %-4s %s",
      os.date("%H:%M:%S", math.floor((tonumber(msg.time) or 0) / 1000)),
      msg.level,
      msg.message
    )
    for l in vim.gsplit(header, "\n", { plain = true }) do
      lines[#lines + 1] = l
    end
    if type(msg.stack) == "string" then
      for l in vim.gsplit(msg.stack, "\n", { plain = true }) do
        lines[#lines + 1] = "    " .. l
      end
    end
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, lines)
    if vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(buf), 0 })
    end
    on_shown({ msg }, 0)
  end

  function self.start()
    local fd, err = uv.fs_open(path, O_RDONLY_NONBLOCK, 0)
    if not fd then
      return nil, err
    end
    local pipe = uv.new_pipe(false)
    pipe:open(fd)
    local data_buf, pos = "", 1
    pipe:read_start(function(rerr, data)
      if rerr then
        return
      end
      if not data then
        -- Every writer left: reopen, so that the next writer finds a reader.
        pipe:read_stop()
        pipe:close()
        vim.schedule(function()
          self.start()
        end)
        return
      end
      self.bytes = self.bytes + #data
      if pos > #data_buf then
        data_buf = data
      else
        data_buf = data_buf:sub(pos) .. data
      end
      pos = 1
      local len = #data_buf
      while true do
        local s = data_buf:find("UN", pos, true)
        if not s then
          pos = math.max(pos, len) -- keep a last byte that may start the next magic
          break
        end
        if len - s + 1 < 10 then
          pos = s
          break
        end
        local b1, b2, b3, b4, c1, c2, c3, c4 = data_buf:byte(s + 2, s + 9)
        local n = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
        local nn = ((c1 * 256 + c2) * 256 + c3) * 256 + c4
        if n == 0 or n > 16777216 or n + nn ~= 4294967295 then
          self.corrupt = self.corrupt + 1
          pos = s + 1
        elseif len < s + 13 + n then
          pos = s
          break
        else
          local payload = data_buf:sub(s + 10, s + 9 + n)
          pos = s + 14 + n
          local ok, msg = pcall(vim.mpack.decode, payload)
          if ok and type(msg) == "table" and msg.t == "log" then
            vim.schedule(function()
              show(msg)
            end)
          elseif ok and type(msg) == "table" and msg.t == "hello" then
            vim.schedule(function()
              self.hello = msg
            end)
          elseif not ok then
            self.corrupt = self.corrupt + 1
          end
        end
      end
    end)
    return true
  end

  return self
end

return M
