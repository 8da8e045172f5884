-- The modules form layers: no loop of requires among lua/unity/**, lazy ones inside functions
-- included, so that any module can load first and the wiring (lua/unity/wiring.lua) is the one
-- place that joins the client to its subscribers.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

--- The module name of a file under lua/.
local function module_of(file)
  return file:sub(#T.root + #"/lua/" + 1):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
end

--- Every module under lua/unity with the unity modules it requires, comments left out. stylua
--- writes every require as `require("name")`; sentences quote them with single quotes.
local function graph()
  local edges = {}
  for _, file in ipairs(vim.fn.globpath(T.root .. "/lua/unity", "**/*.lua", false, true)) do
    local needs = {}
    for _, line in ipairs(vim.fn.readfile(file)) do
      for name in line:gsub("%-%-.*$", ""):gmatch('require%("(unity[%w_.]*)"%)') do
        needs[name] = true
      end
    end
    edges[module_of(file)] = vim.tbl_keys(needs)
    table.sort(edges[module_of(file)])
  end
  return edges
end

--- A loop of requires as "a -> b -> a", or nil.
local function find_loop(edges)
  local state, path = {}, {}
  local function visit(m)
    if state[m] == "open" then
      local from = 1
      while path[from] ~= m do
        from = from + 1
      end
      return table.concat(vim.list_extend(vim.list_slice(path, from), { m }), " -> ")
    end
    if state[m] then
      return nil
    end
    state[m], path[#path + 1] = "open", m
    for _, n in ipairs(edges[m] or {}) do
      local loop = visit(n)
      if loop then
        return loop
      end
    end
    state[m], path[#path] = "done", nil
  end
  local names = vim.tbl_keys(edges)
  table.sort(names)
  for _, m in ipairs(names) do
    local loop = visit(m)
    if loop then
      return loop
    end
  end
end

T.test("the graph is read: the facade requires the client's wiring", function()
  local edges = graph()
  T.truthy(edges["unity.client"], "unity.client found")
  T.truthy(vim.tbl_contains(edges["unity"], "unity.wiring"), "unity requires unity.wiring")
end)

T.test("no loop of requires among lua/unity's modules", function()
  local loop = find_loop(graph())
  T.eq(nil, loop, "a loop of requires")
end)

T.run()
