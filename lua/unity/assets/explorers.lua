--- File explorers keep each `.meta` with its asset: after an explorer renamed, moved or
--- deleted a file under a Unity project's Assets/ or Packages/, its `.meta` follows.
---
--- One design covers most explorers: an in-process language server ("unity.nvim") that
--- declares `workspace.fileOperations` didRename/didDelete (and willRename, which snacks.nvim
--- asks for), started for every Unity project Neovim works in. oil.nvim, snacks.nvim's
--- rename and explorer, mini.files' renames and deletes, and nvim-tree/neo-tree through
--- nvim-lsp-file-operations tell language servers what they did. mini.files tells language
--- servers of renames in one folder only: its `User MiniFilesAction*` events cover its moves.
local project = require("unity.project")

local M = {}

M.name = require("unity.assets.class").own_server

--- Where Unity's assets are: the servers' file operation filters.
local FILTERS = {
  { scheme = "file", pattern = { glob = "**/Assets/**" } },
  { scheme = "file", pattern = { glob = "**/Packages/**" } },
}

--- The in-process server: answers `initialize` with its capabilities, moves `.meta` files on
--- the notifications, and answers every other request with nothing.
---@param dispatchers vim.lsp.rpc.Dispatchers
---@return vim.lsp.rpc.PublicClient
local function server(dispatchers)
  local closing = false
  local next_id = 0
  local srv = {}
  function srv.request(method, _, callback, notify_reply_callback)
    next_id = next_id + 1
    local id = next_id
    local result = nil
    if method == "initialize" then
      local ops = { filters = FILTERS }
      result = {
        capabilities = { workspace = { fileOperations = { willRename = ops, didRename = ops, didDelete = ops } } },
        serverInfo = { name = M.name },
      }
    end
    -- The client registers the request after this returns: answer on the next loop turn.
    vim.schedule(function()
      callback(nil, result)
      if notify_reply_callback then
        notify_reply_callback(id)
      end
    end)
    return true, id
  end
  function srv.notify(method, params)
    if method == "workspace/didRenameFiles" then
      local moves = {}
      for _, f in ipairs(params.files or {}) do
        moves[#moves + 1] = { from = vim.uri_to_fname(f.oldUri), to = vim.uri_to_fname(f.newUri) }
      end
      require("unity.assets").followed(moves)
    elseif method == "workspace/didDeleteFiles" then
      local gone = {}
      for _, f in ipairs(params.files or {}) do
        gone[#gone + 1] = { from = vim.uri_to_fname(f.uri) }
      end
      require("unity.assets").followed(gone)
    elseif method == "exit" then
      srv.terminate()
    end
    return true
  end
  function srv.is_closing()
    return closing
  end
  function srv.terminate()
    if not closing then
      closing = true
      dispatchers.on_exit(0, 0)
    end
  end
  return srv
end

--- mini.files' events (after its action): its moves reach no language server.
local function minifiles()
  local group = vim.api.nvim_create_augroup("unity.assets.minifiles", { clear = true })
  vim.api.nvim_create_autocmd("User", {
    group = group,
    pattern = { "MiniFilesActionRename", "MiniFilesActionMove", "MiniFilesActionDelete" },
    callback = function(a)
      local d = a.data or {}
      if type(d.from) == "string" then
        require("unity.assets").followed({ { from = d.from, to = d.to } })
      end
    end,
  })
end

--- Starts the server for the Unity project holding `buf`'s file (or the current directory
--- when `buf` has none) and attaches it to `buf` when it is a file there. Nothing outside a
--- Unity project.
---@param buf? integer
function M.watch(buf)
  if not require("unity.config").options.explorers then
    return
  end
  buf = buf or vim.api.nvim_get_current_buf()
  local name = vim.api.nvim_buf_get_name(buf)
  local file = name ~= "" and vim.bo[buf].buftype == "" and not name:find("^%w+://")
  local root = project.find(file and vim.fs.dirname(name) or nil)
  if not root then
    return
  end
  if vim.fn.exists("#unity.assets.minifiles") == 0 then
    minifiles()
  end
  vim.lsp.start({ name = M.name, cmd = server, root_dir = root }, { bufnr = buf, attach = file and true or false })
end

return M
