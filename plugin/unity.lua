-- unity.nvim: commands and <Plug> mappings only; modules load on first use.
if vim.g.loaded_unity then
  return
end
vim.g.loaded_unity = true

local function unity()
  return require("unity")
end

local command = vim.api.nvim_create_user_command
command("UnityLog", function()
  unity().open_log()
end, { desc = "Open Unity's console log" })
command("UnityCompile", function()
  unity().compile()
end, { desc = "Refresh assets and compile scripts in Unity" })
command("UnityPlay", function()
  unity().play()
end, { desc = "Enter play mode in Unity" })
command("UnityStop", function()
  unity().stop()
end, { desc = "Leave play mode in Unity" })
command("UnityPause", function()
  unity().pause()
end, { desc = "Toggle pause in Unity" })
command("UnityStep", function()
  unity().step()
end, { desc = "Advance Unity by one frame" })
command("UnityConnect", function(a)
  unity().connect(a.args ~= "" and a.args or nil, a.bang)
end, { nargs = "?", bang = true, complete = "dir", desc = "Connect to the Unity project at or above [dir]" })
command("UnityDisconnect", function()
  unity().disconnect()
end, { desc = "Disconnect from Unity" })
command("UnityQuickfix", function()
  require("unity.log").to_quickfix()
end, {
  desc = "Log entries passing the log window's filter (errors when unfiltered) to the quickfix list",
})
command("UnitySyncProjects", function()
  require("unity.projects").sync()
end, {
  desc = "Ask Unity to write the .sln and .csproj files a C# language server reads",
})

for name, fn in pairs({
  compile = "compile",
  log = "toggle_log",
  play = "play",
  stop = "stop",
  pause = "pause",
  step = "step",
}) do
  vim.keymap.set("n", "<Plug>(unity-" .. name .. ")", function()
    unity()[fn]()
  end, { desc = "unity.nvim: " .. name })
end
vim.keymap.set("n", "<Plug>(unity-sync-projects)", function()
  require("unity.projects").sync()
end, {
  desc = "unity.nvim: sync projects",
})

-- Connect on start-up when Neovim opens inside a Unity project (a cheap upward file search).
vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = vim.schedule_wrap(function()
    if require("unity.config").options.auto_connect and require("unity.project").find() then
      unity() -- loads the modules that subscribe to the connection before it starts
      require("unity.client").connect() -- quietly: a failure shows on the first command
    end
  end),
})
