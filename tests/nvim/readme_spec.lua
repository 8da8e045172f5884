-- README's lazy.nvim spec works as written: it names every command, and a plugin that lazy.nvim
-- loads after start-up (on `ft`, `cmd` or `keys`) connects by itself as README says.
local T = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/helpers.lua")

--- The Lua code block of README's "Neovim (lazy.nvim)" section.
local function lazy_spec()
  local readme = table.concat(vim.fn.readfile(T.root .. "/README.md"), "\n")
  local section = assert(readme:match("### Neovim %(lazy%.nvim%)(.-)\n###"), "README's lazy.nvim section")
  return assert(section:match("```lua\n(.-)```"), "a lua block in README's lazy.nvim section")
end

T.test("README's lazy.nvim spec is valid Lua and lazy-loads on every command", function()
  local spec = assert(loadstring(lazy_spec(), "README spec"))()
  -- lazy.nvim runs build.lua at the plugin's root when the spec names no build step.
  T.eq(nil, spec.build, "build")
  T.truthy(vim.uv.fs_stat(T.root .. "/build.lua"), "build.lua at the plugin's root")
  T.eq("*", spec.version, "version: release tags")
  local listed = {}
  for _, name in ipairs(spec.cmd) do
    listed[name] = true
  end
  for name in pairs(vim.api.nvim_get_commands({})) do
    if name:match("^Unity") then
      T.truthy(listed[name], ":" .. name .. " in the spec's cmd list")
    end
  end
  for name in pairs(listed) do
    T.truthy(vim.api.nvim_get_commands({})[name], "the spec's " .. name .. " is a command")
  end
  for _, key in ipairs(spec.keys) do
    local plug = key[2]:match("^<Plug>%(.-%)$")
    T.truthy(plug and vim.fn.maparg(plug, "n") ~= "", key[1] .. " maps an existing <Plug>: " .. key[2])
  end
end)

T.test("loaded after start-up inside a project, the plugin connects by itself", function()
  local dir = T.project()
  T.start_peer(dir)
  -- A Neovim that has entered (VimEnter is past) and only then loads the plugin, as
  -- lazy.nvim does for `ft = "cs"`; it reports whether it connected without a command.
  local script = vim.fn.tempname() .. ".lua"
  vim.fn.writefile({
    "vim.schedule(function()",
    "  assert(vim.v.vim_did_enter == 1)",
    "  vim.opt.rtp:prepend(" .. vim.inspect(T.root) .. ")",
    "  vim.cmd.runtime('plugin/unity.lua')",
    "  local ok = vim.wait(10000, function()",
    "    return package.loaded['unity.client'] ~= nil and require('unity.client').status().connected",
    "  end, 20)",
    "  io.stdout:write(ok and 'connected\\n' or 'not connected\\n')",
    "  vim.cmd('qa!')",
    "end)",
  }, script)
  local res = vim
    .system({ vim.uv.exepath(), "--headless", "--clean", "-c", "luafile " .. script }, { cwd = dir, text = true })
    :wait(30000)
  T.eq(0, res.code, "the child Neovim quit; stderr: " .. (res.stderr or ""))
  T.eq("connected\n", res.stdout, "lazy-loaded plugin state")
end)

T.run()
