---@meta
-- LuaCATS types of unity.nvim, in one place. Not required at run time.

---@alias unity.Level "log"|"warning"|"error"|"exception"|"assert"

---@class unity.LogEntry
---@field seq integer        Unity's sequence number (per editor session)
---@field time? integer      unix time in milliseconds
---@field level unity.Level
---@field message string
---@field stack? string      Unity's stack trace, frames separated by "\n"

---@alias unity.LogGroup "error"|"warning"|"log"

---@class unity.StoredEntry       an entry of the history, as `require("unity.log").current()` gives it
---@field id integer               position in arrival order (never reused)
---@field seq? integer             Unity's sequence number (nil for markers)
---@field time? integer
---@field level unity.Level|"marker"
---@field group unity.LogGroup|"marker"
---@field message string
---@field stack? string

---@class unity.LogFilter
---@field levels table<unity.LogGroup, boolean>
---@field text? string             case-insensitive unless it has capitals
---@field scope "all"|"compile"|"play"

---@class unity.LogEdit            arguments of nvim_buf_set_lines: {first, last, lines}
---@field [1] integer
---@field [2] integer
---@field [3] string[]

--- The native log history (src/log/book.rs): entries, filters, and the buffer edits that show
--- them. Every change leaves its edits for `flush`.
---@class unity.Logbook
---@field add fun(self: unity.Logbook, entries: table[])
---@field flush fun(self: unity.Logbook): unity.LogEdit[]
---@field render fun(self: unity.Logbook, hook?: fun(entry: unity.StoredEntry): string|false|nil)
---@field hide fun(self: unity.Logbook)
---@field clear fun(self: unity.Logbook)
---@field mark fun(self: unity.Logbook, scope: "compile"|"play")
---@field entry_at fun(self: unity.Logbook, row: integer): integer|nil, integer|nil  id, line in the entry (0: header)
---@field row_of fun(self: unity.Logbook, id: integer): integer|nil
---@field last_header fun(self: unity.Logbook): integer
---@field get fun(self: unity.Logbook, id: integer): unity.StoredEntry|nil
---@field entries fun(self: unity.Logbook, from?: integer, visible_only?: boolean): unity.StoredEntry[]
---@field counts fun(self: unity.Logbook): table<unity.LogGroup, integer>
---@field stats fun(self: unity.Logbook): {added: integer, last_seq: integer, last_id: integer, size: integer, removed: integer}
---@field filter fun(self: unity.Logbook): unity.LogFilter
---@field set_filter fun(self: unity.Logbook, f: {levels?: table<unity.LogGroup, boolean>, text?: string|false, scope?: string})
---@field collapsing fun(self: unity.Logbook): boolean
---@field set_collapse fun(self: unity.Logbook, on: boolean)
---@field toggle fun(self: unity.Logbook, id: integer)
---@field set_expand_all fun(self: unity.Logbook, on: boolean)

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
---@field position "bottom"|"top"|"left"|"right"|"float"
---@field size integer             height (or width) of the split
---@field max_line integer         longest line in bytes before the cut mark
---@field collapse boolean
---@field levels table<unity.LogGroup, boolean>
---@field clear_on_play boolean
---@field clear_on_compile boolean
---@field look unity.LogLook       the layout of the lines (and their highlighting)
---@field filter_entry false|fun(entry: unity.StoredEntry): boolean   full renders only
---@field format_entry false|fun(entry: unity.StoredEntry): string|nil  full renders only: the header line
---@field keys table<string, string|false>

---@class unity.LogLook            how log lines are laid out: `clock label message[count]`
---@field labels table<unity.Level, string>
---@field clock string             %H %M %S (local time), %f (milliseconds), %%; "" for none
---@field indent string            before the rest of a message, under its header
---@field stack_indent string      before each stack frame
---@field count string             after a collapsed header; %d: the number of copies
---@field marker string            a marker line; %s: its text
---@field cut string               where a long line is cut; %d: bytes left out, %k: the show_full key

return {}
