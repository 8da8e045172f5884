--- :UnityPlay: play mode once Unity is up to date with the buffers (uptodate.lua), so that
--- the code played is the code saved.
local config = require("unity.config")
local uptodate = require("unity.uptodate")

local M = {}

--- :UnityPlay. Returns the refresh's id, or nil and why (already shown).
---@return integer|nil id, string|nil err
---@param play fun()  enters play mode (the facade's `play(true)`: this module is below it)
function M.start(play)
  return uptodate.start("play", { saves = config.options.play_saves, action = play })
end

--- Ends a wait without a word (:UnityPlay! enters play mode at once instead).
function M.cancel()
  uptodate.cancel("play")
end

--- Whether :UnityPlay is waiting for the compile (for tests and statuslines).
---@return boolean
function M.waiting()
  return uptodate.waiting("play")
end

return M
