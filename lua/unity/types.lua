---@meta
-- LuaCATS types of unity.nvim, in one place. Not required at run time.

---@alias unity.Level "log"|"warning"|"error"|"exception"|"assert"

---@class unity.LogEntry
---@field seq integer        Unity's sequence number (per editor session)
---@field time? integer      unix time in milliseconds
---@field level unity.Level
---@field message string
---@field stack? string      Unity's stack trace, frames separated by "\n"

---@class unity.CompilerMessage
---@field file string        relative to the project or absolute
---@field line integer
---@field col? integer
---@field severity "error"|"warning"|"info"
---@field text string

---@class unity.CompileSummary
---@field errors integer
---@field warnings integer
---@field ms integer
---@field messages unity.CompilerMessage[]

---@class unity.Reply
---@field id integer
---@field ok boolean
---@field error? string
---@field result? any

---@class unity.Status
---@field connected boolean  Unity's log stream is open
---@field project? string    the Unity project folder
---@field unity? string      editor version
---@field pid? integer       editor process id
---@field playing boolean
---@field paused boolean
---@field compiling boolean
---@field lost integer       log messages lost: seq gaps, corrupt frames, queue overflow (each once)
---@field corrupt integer    corrupt frames or garbage runs skipped
---@field errors integer     errors of the last compilation

---@class unity.Config
---@field auto_connect boolean     connect on start-up when Neovim opens inside a Unity project
---@field queue_size integer       events buffered between the reader thread and Neovim
---@field drain_budget_ms number   main-loop time one drain slice may take
---@field history integer          log entries kept in the log window
---@field log unity.LogWindowConfig
---@field notify_compile boolean   vim.notify a summary after each compilation

---@class unity.LogWindowConfig
---@field position "bottom"|"top"|"left"|"right"
---@field size integer             height (or width) of the split

return {}
