-- A stand-in for nvim-dap, for tests/nvim/debug_spec.lua only: the part of its documented API
-- (`:help dap-providers`, `dap.adapters`, `dap.run`) that unity.nvim calls. `run` records what
-- it was given instead of starting a debug adapter. None of nvim-dap's code is here.
local M = {
  adapters = {},
  configurations = {},
  providers = { configs = {} },
  ---@type table[]
  runs = {},
}

function M.run(config, opts)
  M.runs[#M.runs + 1] = { config = config, opts = opts }
end

return M
