---@meta
-- The parts of luv (`vim.uv`) this plugin uses, for the type checker only (tests/lint/types.sh).
-- Neovim's runtime types `vim.uv` as class `uv` but does not ship it; these follow luv's
-- documentation (docs/docs.md of luvit/luv), signatures as the plugin calls them.

---@class uv
local uv = {}

---@class uv.uv_handle_t
local handle = {}
function handle:close() end
---@return boolean
function handle:is_active() end

---@class uv.uv_timer_t: uv.uv_handle_t
local timer = {}
---@param timeout integer milliseconds
---@param repeat_ integer milliseconds, 0 for once
---@param callback fun()
---@return 0|nil, string? err
function timer:start(timeout, repeat_, callback) end
---@return 0|nil, string? err
function timer:stop() end

---@class uv.uv_pipe_t: uv.uv_handle_t
local pipe = {}
---@param fd integer
---@return 0|nil, string? err
function pipe:open(fd) end
---@param callback fun(err: string?, data: string?)
---@return 0|nil, string? err
function pipe:read_start(callback) end
---@return 0|nil, string? err
function pipe:read_stop() end
---@param name string
---@param callback fun(err: string?)
---@return userdata|nil req, string? err
function pipe:connect(name, callback) end

---@class uv.fs_stat.result.time
---@field sec integer
---@field nsec integer

---@class uv.fs_stat.result
---@field type "file"|"directory"|"link"|"fifo"|"socket"|"char"|"block"|"unknown"
---@field size integer
---@field mtime uv.fs_stat.result.time

---@return integer nanoseconds, from an arbitrary point
function uv.hrtime() end
---@return uv.uv_timer_t|nil, string? err
function uv.new_timer() end
---@param ipc boolean
---@return uv.uv_pipe_t|nil, string? err
function uv.new_pipe(ipc) end
---@return string|nil cwd, string? err
function uv.cwd() end
---@param path string
---@return uv.fs_stat.result|nil, string? err
function uv.fs_stat(path) end
---@param path string
---@return string|nil, string? err
function uv.fs_realpath(path) end
---@param path string
---@return uv.fs_stat.result|nil, string? err
function uv.fs_lstat(path) end
---@param path string
---@param new_path string
---@return true|nil, string? err, string? name
function uv.fs_rename(path, new_path) end
---@param pid integer
---@param signum integer|string
---@return 0|nil, string? err
function uv.kill(pid, signum) end
---@return integer pid
function uv.os_getpid() end
---@return {sysname: string, release: string, version: string, machine: string}
function uv.os_uname() end
---@param path string
---@param new_path string
---@return true|nil, string? err, string? name
function uv.fs_copyfile(path, new_path) end
