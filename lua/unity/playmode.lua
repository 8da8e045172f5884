--- Says once what Unity did with `play`, `stop`, `pause` and `step`, which otherwise show only
--- in a statusline. Unity answers `play` and `stop` before the editor has changed mode
--- (`EditorApplication.EnterPlaymode` only asks for it, and a domain reload may come between):
--- then the words wait for the `state` that shows the change.
local messages = require("unity.messages")

local M = {}

local group = vim.api.nvim_create_augroup("unity.playmode", { clear = true })

--- Says `text` once the `state` shows `playing == want` (now, when the reply already does).
---@param playing boolean  the reply's state
---@param want boolean
---@param text string
local function once_playing(playing, want, text)
  vim.api.nvim_clear_autocmds({ group = group })
  if playing == want then
    messages.notify(text)
    return
  end
  vim.api.nvim_create_autocmd("User", {
    group = group,
    pattern = "UnityState",
    callback = function(a)
      if a.data.playing == want then
        messages.notify(text)
        return true -- said once; the listener goes
      end
    end,
  })
end

--- A command of the four succeeded.
---@param name "play"|"stop"|"pause"|"step"
---@param was unity.Status  before it was sent
---@param result any  the reply's state map
function M.done(name, was, result)
  local state = type(result) == "table" and result or {}
  if name == "play" then
    if was.playing then
      return messages.notify(messages.play_already())
    end
    once_playing(state.playing == true, true, messages.play_entered())
  elseif name == "stop" then
    if not was.playing then
      return messages.notify(messages.stop_not_playing())
    end
    once_playing(state.playing == true, false, messages.play_left())
  elseif name == "pause" then
    messages.notify(messages.paused(state.paused == true, state.playing == true))
  else
    messages.notify(messages.stepped(state.playing == true))
  end
end

return M
