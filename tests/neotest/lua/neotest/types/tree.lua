-- A stand-in for neotest's position tree (`neotest.Tree`, lua/neotest/types/tree.lua of neotest
-- v5.20.0), written here from its documented behaviour: neotest cannot be installed from the
-- package registries the test machines reach. It has only what the adapter and its spec call:
-- `from_list` (a list: a position, then its children, each a position or such a list), `data`, `parent`, `get_key`
-- (any position of the tree by key) and `iter_nodes` (depth first, parents before children,
-- yielding an index and the node). With NEOTEST_RTP the spec runs against neotest's own.

---@class neotest.Tree
---@field private _data table
---@field private _parent neotest.Tree|nil
---@field private _children neotest.Tree[]
---@field private _nodes table<any, neotest.Tree>
local Tree = {}
Tree.__index = Tree

---@param item table  a position (a leaf), or `{ position, child, child, ... }`
---@param key fun(position: table): any
---@param parent? neotest.Tree
---@param nodes? table<any, neotest.Tree>
---@return neotest.Tree
function Tree.from_list(item, key, parent, nodes)
  nodes = nodes or {}
  local list = vim.islist(item) and item or { item }
  local tree = setmetatable({ _data = list[1], _parent = parent, _children = {}, _nodes = nodes }, Tree)
  nodes[key(list[1])] = tree
  for i = 2, #list do
    tree._children[#tree._children + 1] = Tree.from_list(list[i], key, tree, nodes)
  end
  return tree
end

function Tree:data()
  return self._data
end

function Tree:parent()
  return self._parent
end

function Tree:get_key(key)
  return self._nodes[key]
end

function Tree:iter_nodes()
  local order = {}
  local function walk(node)
    order[#order + 1] = node
    for _, child in ipairs(node._children) do
      walk(child)
    end
  end
  walk(self)
  local i = 0
  return function()
    i = i + 1
    if order[i] then
      return i, order[i]
    end
  end
end

return Tree
