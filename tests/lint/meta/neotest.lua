---@meta
-- The parts of neotest's types (v5.20.0, lua/neotest/types/*.lua and lua/neotest/adapters/
-- interface.lua, as its documentation gives them) that lua/neotest-unity uses, for the type
-- checker only (tests/lint/types.sh): neotest is an optional plugin, absent when checking.

---@class neotest.Position
---@field id string
---@field type "dir"|"file"|"namespace"|"test"
---@field name string
---@field path string
---@field range integer[]

---@class neotest.Tree
local Tree = {}
---@return neotest.Position
function Tree:data() end
---@return fun(): integer, neotest.Tree
function Tree:iter_nodes() end
---@param key string
---@return neotest.Tree|nil
function Tree:get_key(key) end
---@return neotest.Tree|nil
function Tree:parent() end

---@class neotest.RunArgs
---@field tree neotest.Tree
---@field extra_args? string[]
---@field strategy? string

---@class neotest.RunSpec
---@field command string[]
---@field cwd? string
---@field context? table
---@field strategy? table|fun(spec: neotest.RunSpec): neotest.Process

---@class neotest.Process
---@field is_complete fun(): boolean
---@field output fun(): string
---@field result fun(): integer
---@field attach fun()
---@field stop fun()
---@field output_stream fun(): fun(): string|nil

---@class neotest.StrategyResult
---@field code integer
---@field output string

---@class neotest.Error
---@field message string
---@field line? integer

---@class neotest.Result
---@field status "passed"|"failed"|"skipped"
---@field output? string
---@field short? string
---@field errors? neotest.Error[]
