--- Test fixtures and methods in C# source, named as Unity's Test Framework (NUnit) names them:
--- `Ns.Class.Method`, nested classes `Ns.Outer+Inner`, parameterised cases `Method(1,2)`.
--- Attributes `[Test]`, `[UnityTest]`, `[TestCase(...)]`, `[TestCaseSource(...)]`, `[Theory]`
--- mark a test method. With the tree-sitter `c_sharp` parser when the user has it; else a small
--- scanner: comments and string contents are blanked before braces are counted. Used by
--- :UnityTestFile, :UnityTestNearest and the neotest adapter.
local M = {}

--- A `[TestCase(...)]`'s arguments: as blanked (strings and comments made spaces) and as
--- written, and the line they are on.
---@class unity.CsCase
---@field [1] string
---@field [2] string
---@field line? integer

---@class unity.CsNode
---@field kind "class"|"test"|"case"
---@field name string        as shown: `MathTests`, `Adds`, `Adds(1,2)`
---@field full_name string   Unity's full name
---@field first integer      1-based first line (its attributes included)
---@field last integer       1-based last line
---@field children unity.CsNode[]

local TEST_ATTRIBUTES = { Test = true, UnityTest = true, Theory = true, TestCaseSource = true }

--- `text` with comments blanked and string/char contents replaced by `_`, same length and
--- lines, so that positions found in it index the original.
---@param text string
---@return string
function M.blank(text)
  local out, i, n = {}, 1, #text
  local function keep_newlines(s)
    return (s:gsub("[^\n]", " "))
  end
  while i <= n do
    local c, d = text:sub(i, i), text:sub(i, i + 1)
    local j
    if d == "//" then
      j = (text:find("\n", i, true) or n + 1) - 1
      out[#out + 1] = keep_newlines(text:sub(i, j))
    elseif d == "/*" then
      j = select(2, text:find("*/", i + 2, true)) or n
      out[#out + 1] = keep_newlines(text:sub(i, j))
    elseif c == '"' or c == "'" or d == '@"' or d == '$"' then
      local verbatim = d == '@"'
      local start = (d == '@"' or d == '$"') and i + 1 or i
      local quote = text:sub(start, start)
      j = start + 1
      while j <= n do
        local e = text:sub(j, j)
        if e == quote and verbatim and text:sub(j + 1, j + 1) == quote then
          j = j + 1
        elseif e == quote then
          break
        elseif e == "\\" and not verbatim then
          j = j + 1
        elseif e == "\n" and not verbatim then
          j = j - 1
          break
        end
        j = j + 1
      end
      j = math.min(j, n)
      local inner = text:sub(start + 1, j - 1):gsub("[^\n]", "_")
      out[#out + 1] = text:sub(i, start) .. inner .. text:sub(j, j)
    else
      j = i
      out[#out + 1] = c
    end
    i = j + 1
  end
  return table.concat(out)
end

--- Splits `s` at top-level commas (not inside brackets or parentheses of the blanked text).
local function split_top(blanked, original)
  local parts, depth, from = {}, 0, 1
  for k = 1, #blanked do
    local ch = blanked:sub(k, k)
    if ch == "(" or ch == "[" or ch == "{" then
      depth = depth + 1
    elseif ch == ")" or ch == "]" or ch == "}" then
      depth = depth - 1
    elseif ch == "," and depth == 0 then
      parts[#parts + 1] = { blanked:sub(from, k - 1), original:sub(from, k - 1) }
      from = k + 1
    end
  end
  parts[#parts + 1] = { blanked:sub(from), original:sub(from) }
  return parts
end

--- One `[TestCase(...)]` argument as NUnit shows it in a case's name.
local function show_argument(arg)
  arg = vim.trim(arg)
  if arg == "true" or arg == "false" then
    return arg == "true" and "True" or "False"
  elseif arg:match("^%-?%d+%.%d*$") or arg:match("^%-?%d*%.%d+$") then
    return arg .. "d" -- a double literal without a suffix
  elseif arg:match("^%-?[%d.]+[dD]$") then
    return arg:sub(1, -2) .. "d"
  end
  return arg
end

--- A named argument (`Description = "x"`) is no part of a case's name.
local function is_named(arg)
  return arg:match("^%s*[%w_]+%s*=[^=]") ~= nil
end

--- `Name(args)` of a `[TestCase(args)]`, from its positional arguments' source text.
---@param method string
---@param args string[]
local function case_name(method, args)
  return method .. "(" .. table.concat(vim.tbl_map(show_argument, args), ",") .. ")"
end

--- The attributes in one blanked line: test markers and TestCase argument lists.
---@return boolean marked, unity.CsCase[] cases
local function attributes(blanked, original)
  local marked, cases = false, {}
  local at = 1
  while true do
    local s, e = blanked:find("%b[]", at)
    if not s then
      break
    end
    for _, p in ipairs(split_top(blanked:sub(s + 1, e - 1), original:sub(s + 1, e - 1))) do
      local name, rest = p[1]:match("^%s*([%w_.]+)%s*(.*)$")
      name = name and name:gsub("^.*%.", ""):gsub("Attribute$", "")
      if name == "TestCase" then
        local off = #p[1] - #rest
        local b, o = rest:match("^%((.*)%)"), p[2]:sub(off + 2, off + 1 + #(rest:match("^%((.*)%)") or ""))
        cases[#cases + 1] = { b or "", o }
        marked = true
      elseif name and TEST_ATTRIBUTES[name] then
        marked = true
      end
    end
    at = e + 1
  end
  return marked, cases
end

--- The tests in C# source text, with the scanner.
---@param text string
---@return unity.CsNode[]
function M.scan(text)
  local blanked = M.blank(text)
  local originals = vim.split(text, "\n", { plain = true })
  local roots = {} ---@type unity.CsNode[]
  -- Open scopes: { kind = "namespace"|"class"|"test"|"block", name, node?, depth }
  local scopes = {}
  local file_ns ---@type string|nil
  local depth = 0
  local pending ---@type table|nil  a declaration waiting for its "{"
  local marks ---@type {first: integer, cases: unity.CsCase[]}|nil  test attributes waiting for a method
  local attributes_from ---@type integer|nil  first line of the attribute lines just above

  local function prefix()
    local parts = { file_ns }
    local class_path
    for _, s in ipairs(scopes) do
      if s.kind == "namespace" then
        parts[#parts + 1] = s.name
      elseif s.kind == "class" then
        class_path = class_path and (class_path .. "+" .. s.name) or s.name
      end
    end
    local ns = table.concat(
      vim.tbl_filter(function(p)
        return p ~= nil
      end, parts),
      "."
    )
    return ns, class_path
  end

  local function enclosing_class()
    for k = #scopes, 1, -1 do
      if scopes[k].kind == "class" then
        return scopes[k]
      elseif scopes[k].kind ~= "namespace" then
        return nil
      end
    end
  end

  local function open(decl, first_line)
    if decl.kind == "class" then
      local ns, outer = prefix()
      local path = outer and (outer .. "+" .. decl.name) or decl.name
      decl.node = {
        kind = "class",
        name = decl.name,
        full_name = ns ~= "" and (ns .. "." .. path) or path,
        first = first_line,
        last = first_line,
        children = {},
      }
    end
    decl.depth = depth
    scopes[#scopes + 1] = decl
  end

  local function close(line)
    local s = table.remove(scopes)
    local node = s.node
    if not node then
      return
    end
    node.last = line
    local parent = enclosing_class()
    if node.kind == "class" and #node.children == 0 then
      return -- no tests inside
    end
    if parent then
      table.insert(parent.node.children, node)
    elseif node.kind == "class" then
      roots[#roots + 1] = node
    end
  end

  ---@param m {first: integer, cases: unity.CsCase[]} the method's test attributes
  local function method(name, line, m)
    local class = enclosing_class()
    if not class then
      return nil
    end
    local full = class.node.full_name .. "." .. name
    local first = math.min(m.first, attributes_from or m.first)
    local node = { kind = "test", name = name, full_name = full, first = first, last = line, children = {} }
    for _, c in ipairs(m.cases) do
      local args = {}
      for _, p in ipairs(split_top(c[1], c[2])) do
        if not is_named(p[1]) and vim.trim(p[1]) ~= "" then
          args[#args + 1] = p[2]
        end
      end
      local cname = case_name(name, args)
      node.children[#node.children + 1] = {
        kind = "case",
        name = cname,
        full_name = class.node.full_name .. "." .. cname,
        first = c.line,
        last = c.line,
        children = {},
      }
    end
    return node
  end

  for lnum, line in ipairs(vim.split(blanked, "\n", { plain = true })) do
    local original = originals[lnum] or ""
    if line:match("^%s*%[") then
      attributes_from = attributes_from or lnum
    end
    local marked, cases = attributes(line, original)
    if marked then
      marks = marks or { first = lnum, cases = {} }
      for _, c in ipairs(cases) do
        c.line = lnum
        marks.cases[#marks.cases + 1] = c
      end
    end
    -- Declarations on this line, attributes removed.
    local code = line:gsub("%b[]", function(s)
      return (" "):rep(#s)
    end)
    local ns, semi = code:match("^%s*namespace%s+([%w_.]+)%s*(;?)")
    if ns and semi == ";" then
      file_ns = ns
    elseif ns then
      pending = { kind = "namespace", name = ns }
    end
    local class = code:match("%f[%w_]class%s+([%w_]+)") or code:match("%f[%w_]struct%s+([%w_]+)")
    if class then
      pending = { kind = "class", name = class, line = attributes_from or lnum }
      marks = nil
    elseif marks and not pending then
      local name = code:match("([%w_]+)%s*%(")
      if name and not code:match("^%s*$") then
        local node = method(name, lnum, marks)
        marks = nil
        if node then
          pending = { kind = "test", name = name, node = node, line = lnum }
          if code:find("=>", 1, true) then
            -- An expression body ends at its ";", no braces of its own.
            table.insert(enclosing_class().node.children, node)
            pending = nil
          end
        end
      end
    end
    if code:match("%S") then
      attributes_from = nil -- the attributes above belonged to this line's declaration
    end
    for k = 1, #code do
      local ch = code:sub(k, k)
      if ch == "{" then
        depth = depth + 1
        local decl = pending
        if decl then
          pending = nil
          local node = decl.node
          open(decl, node and node.first or decl.line or lnum)
        else
          scopes[#scopes + 1] = { kind = "block", depth = depth }
        end
      elseif ch == "}" then
        if scopes[#scopes] and scopes[#scopes].depth == depth then
          close(lnum)
        end
        depth = depth - 1
      elseif ch == ";" and pending and pending.kind ~= "namespace" then
        pending = nil -- a declaration without a body (abstract, extern)
      end
    end
  end
  return roots
end

--- The tests in C# source text, with the tree-sitter parser `c_sharp`.
---@param text string
---@return unity.CsNode[]
function M.tree_sitter(text)
  local root = assert(vim.treesitter.get_string_parser(text, "c_sharp"):parse())[1]:root()
  local function source(node)
    return vim.treesitter.get_node_text(node, text)
  end
  local function name_of(node)
    local n = node:field("name")[1]
    return n and source(n) or ""
  end
  local roots = {}
  local walk ---@type fun(node: TSNode, ns: string, class?: unity.CsNode)
  ---@param method TSNode
  ---@param class unity.CsNode
  local function test_method(method, class)
    local name, marked, cases = name_of(method), false, {}
    for list in method:iter_children() do
      if list:type() == "attribute_list" then
        for attr in list:iter_children() do
          if attr:type() == "attribute" then
            local kind = name_of(attr):gsub("^.*%.", ""):gsub("Attribute$", "")
            marked = marked or kind == "TestCase" or TEST_ATTRIBUTES[kind] ~= nil
            local arglist = kind == "TestCase" and attr:named_child(1)
            if arglist then
              local args = {}
              for arg in arglist:iter_children() do
                if arg:type() == "attribute_argument" and not is_named(source(arg)) then
                  args[#args + 1] = source(arg)
                end
              end
              local line = attr:start() + 1
              cases[#cases + 1] = {
                kind = "case",
                name = case_name(name, args),
                full_name = class.full_name .. "." .. case_name(name, args),
                first = line,
                last = line,
                children = {},
              }
            end
          end
        end
      end
    end
    if marked then
      local first, _, last = method:range()
      class.children[#class.children + 1] = {
        kind = "test",
        name = name,
        full_name = class.full_name .. "." .. name,
        first = first + 1,
        last = last + 1,
        children = cases,
      }
    end
  end
  ---@param node TSNode
  ---@param ns string
  ---@param class? unity.CsNode
  walk = function(node, ns, class)
    for child in node:iter_children() do
      local t = child:type()
      if t == "namespace_declaration" or t == "file_scoped_namespace_declaration" then
        local inner = ns ~= "" and (ns .. "." .. name_of(child)) or name_of(child)
        walk(child:field("body")[1] or child, inner, class)
        if t == "file_scoped_namespace_declaration" then
          ns = inner -- the declarations after it, where the grammar makes them siblings
        end
      elseif t == "class_declaration" or t == "struct_declaration" then
        local name = name_of(child)
        local first, _, last = child:range()
        local node_ = {
          kind = "class",
          name = name,
          full_name = class and (class.full_name .. "+" .. name) or (ns ~= "" and (ns .. "." .. name) or name),
          first = first + 1,
          last = last + 1,
          children = {},
        }
        walk(child:field("body")[1] or child, ns, node_)
        if #node_.children > 0 then
          table.insert(class and class.children or roots, node_)
        end
      elseif t == "method_declaration" and class then
        test_method(child, class)
      elseif t == "declaration_list" then
        walk(child, ns, class)
      end
    end
  end
  walk(root, "", nil)
  return roots
end

--- The tests in C# source text: the classes holding tests, outermost first. Tree-sitter's
--- `c_sharp` parser when it is installed, else the scanner.
---@param text string
---@return unity.CsNode[]
function M.parse(text)
  return (M.has_parser() and M.tree_sitter or M.scan)(text)
end

local parser_found ---@type boolean|nil

--- Whether the `c_sharp` parser is there (looked up once: the look-up searches the
--- runtimepath). `language.add` raises (0.10) or returns nil (0.11) when it is missing;
--- `inspect` raises for a language not loaded.
---@return boolean
function M.has_parser()
  if parser_found == nil then
    parser_found = pcall(vim.treesitter.language.add, "c_sharp") and pcall(vim.treesitter.language.inspect, "c_sharp")
  end
  return parser_found
end

--- The full names of the fixtures among `nodes` and inside them. A nested class is a fixture of
--- its own in NUnit's tree (`Ns.Outer+Inner`), not a child of the outer one: running the outer
--- fixture does not run it.
---@param nodes unity.CsNode[]
---@param out? string[]
---@return string[]
function M.fixtures(nodes, out)
  out = out or {}
  for _, node in ipairs(nodes) do
    if node.kind == "class" then
      out[#out + 1] = node.full_name
      M.fixtures(node.children, out)
    end
  end
  return out
end

--- The innermost class, test or case whose lines hold `line` (1-based), and its ancestors.
---@param roots unity.CsNode[]
---@param line integer
---@return unity.CsNode|nil
function M.at(roots, line)
  for _, node in ipairs(roots) do
    if line >= node.first and line <= node.last then
      return M.at(node.children, line) or node
    end
  end
end

return M
