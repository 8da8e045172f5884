--- The one place that joins the connection (lua/unity/client.lua) to its subscribers: the log
--- window's history, the runtime sites, and the handlers of the messages other modules own.
--- Compile results and auto-refresh listen to `User` events; loading them subscribes them.
--- Every entry point (the facade, plugin/unity.lua) loads this module before anything connects;
--- it is the only module that requires both the client and its subscribers.
local client = require("unity.client")
local log = require("unity.log")
local runtime = require("unity.runtime")
require("unity.compile")
require("unity.autorefresh")

client.attach(log)
client.attach_sites({ store = runtime.store, changed = runtime.changed })
-- Handlers load their modules on the first message: a session without tests loads no tests.
client.on("open", function(ev, project)
  require("unity.open").handle(project, ev)
end)
client.on("test", function(ev, project)
  require("unity.test").handle(project, ev)
end)
client.on("projects", function(ev)
  require("unity.projects").regenerated(ev.files)
end)
-- With nvim-dap installed, its configuration provider offers the editor once one is connected.
vim.api.nvim_create_autocmd("User", {
  group = vim.api.nvim_create_augroup("unity.wiring.debug", {}),
  pattern = "UnityConnected",
  callback = function()
    require("unity.debug").register()
  end,
})

return {}
