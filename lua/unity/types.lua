---@meta
-- LuaCATS types of unity.nvim, in one place. Not required at run time.

---@alias unity.Level "log"|"warning"|"error"|"exception"|"assert"

---@class unity.LogEntry
---@field seq? integer       Unity's sequence number (per editor session); none for markers
---@field time? integer      unix time in milliseconds
---@field level unity.Level|"marker"
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
--- them. Every change leaves its edits for `flush`; a change of what shows (a filter,
--- collapsing, expanding all, a render) is brought to the entries by `step`s.
---@class unity.Logbook
---@field add fun(self: unity.Logbook, entries: table[])
---@field flush fun(self: unity.Logbook): unity.LogEdit[]
---@field step fun(self: unity.Logbook, n: integer): boolean  n more entries to a change; true while some remain
---@field reshowing fun(self: unity.Logbook): boolean  some entries still show as before a change
---@field render fun(self: unity.Logbook, hook?: fun(entry: unity.StoredEntry): string|false|nil)
---@field hide fun(self: unity.Logbook)
---@field clear fun(self: unity.Logbook)
---@field mark fun(self: unity.Logbook, scope: "compile"|"play")
---@field entry_at fun(self: unity.Logbook, row: integer): integer|nil, integer|nil  id, line in the entry (0: header)
---@field row_of fun(self: unity.Logbook, id: integer): integer|nil
---@field last_header fun(self: unity.Logbook): integer
---@field get fun(self: unity.Logbook, id: integer): unity.StoredEntry|nil
---@field entries fun(self: unity.Logbook, from?: integer, visible_only?: boolean): unity.StoredEntry[]
---@field newest fun(self: unity.Logbook, text: string): unity.StoredEntry|nil  the newest log entry whose message holds `text`
---@field counts fun(self: unity.Logbook): table<unity.LogGroup, integer>
---@field stats fun(self: unity.Logbook): {added: integer, last_seq: integer, last_id: integer, size: integer, removed: integer, strings: integer} strings: header lines kept as Lua strings for showing them again
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

---@class unity.CompileSummary   data of `User UnityCompileFinished`
---@field errors integer
---@field warnings integer
---@field ms integer
---@field messages unity.CompilerMessage[]
---@field project? string          the project folder the file names are relative to

---@class unity.Reply
---@field id integer
---@field ok boolean
---@field error? string             a sentence for the user, when not ok
---@field result? any
---@field from "unity"|"nvim"       "nvim": Unity could not answer (not delivered, or gone first)
---@field kind? string              with from = "nvim": the failure's kind (:help unity-errors)
---@field errno? integer            with from = "nvim" and a system error

--- A failure as data: made by the native module (send, connect, the writer thread) or by the
--- client, worded for the user by `require("unity.messages").failure`.
--- Every kind of failure: those of the native module (`Failure::KINDS` in src/failure.rs) and
--- the client's own; `messages.lua` words each (messages_spec checks both lists).
---@alias unity.FailureKind
---| "not_running" | "not_connected" | "not_reading" | "bad_name" | "bad_args" | "encode"
---| "refused" | "locked" | "io" | "start" | "reader_gone" | "closed" | "write"
---| "reader_stopped" | "read" | "impostor"
---| "no_project" | "no_name" | "bad_callback" | "no_watcher" | "restarted" | "gone"
---| "superseded" | "disconnected"
---| "asset_missing" | "asset_outside" | "asset_not_imported" | "asset_exists" | "asset_no_meta"
---| "asset_into_itself" | "asset_fs" | "asset_args" | "asset_template"
---| "debug_no_dap" | "debug_no_adapter" | "debug_no_endpoint" | "debug_attach_off"

---@class unity.Failure
---@field kind string               a unity.FailureKind (:help unity-errors)
---@field path? string              the folder or file involved (the project, Temp/NeovimBridge, a FIFO)
---@field why? string               why the rendezvous is refused: symlink, not_folder, not_fifo, owner, shared
---@field uid? integer              the owner of a refused path,
---@field me? integer               and yours
---@field mode? string              a refused path's permissions, in octal
---@field project? string           the project the command was for (added by the client)
---@field name? string              the command's name (added by the client)
---@field pid? integer              another Neovim's pid (locked, superseded), or Unity's (impostor)
---@field server? integer           the process serving a named pipe that is not Unity (impostor)
---@field errno? integer            a system error: its number,
---@field errname? string           its name ("EPIPE"),
---@field strerror? string          and the system's description
---@field detail? string            an encoder's reason, or the reader thread's internal error
---@field type? string              the Lua type of arguments that are not a table
---@field to? string                where an asset was to move (asset_into_itself)

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
---@field debug? unity.DebugEndpoint  where a debugger attaches (nil: a Unity package before it)
---@field optimization? "debug"|"release"  Unity's code optimization (nil: a package before it)

---@class unity.DebugEndpoint
---@field address string  where the editor's debugger agent listens
---@field port integer    56000 + pid % 1000
---@field attach boolean  Editor Attaching is on (else no agent listens)

---@class unity.Config
---@field auto_connect boolean     connect on start-up when Neovim opens inside a Unity project
---@field queue_size integer       events buffered between the reader thread and Neovim
---@field drain_budget_ms number   main-loop time one drain slice may take
---@field history integer          log entries kept in the log window
---@field log unity.LogWindowConfig
---@field notify_compile boolean   vim.notify a summary after each compilation
---@field on_open false|fun(opened: unity.Opened)|string[]  after Unity's `open`: bring the terminal forward
---@field refresh_on_save boolean|fun(path: string): boolean  refresh Unity after writing a file it imports
---@field refresh_extensions string[]  imported extensions besides the built-in ones
---@field refresh_debounce_ms integer  quiet time after the last write before the refresh
---@field play_saves boolean       :UnityPlay writes the project's modified buffers first
---@field play_timeout_ms integer  :UnityPlay waits this long for the compile to finish
---@field debug_adapter string  the nvim-dap adapter :UnityDebug and the configuration provider name
---@field play_reconnect_ms integer  :UnityPlay waits this long for Unity to come back (reload, disconnect)
---@field test_saves boolean       test runs write the project's modified buffers first
---@field explorers boolean        file explorers move .meta files (a language server inside Neovim)
---@field runtime unity.RuntimeConfig
---@field picker "auto"|"select"|"snacks"|"telescope"|"fzf-lua"  what :UnityPick shows its lists with
---@field install unity.InstallConfig

---@class unity.InstallConfig      :UnityBuild and build.lua
---@field releases_url string|false  base URL of `<tag>/<file>`; false: the GitHub releases of `origin`

---@class unity.RuntimeConfig      runtime exceptions at their source lines
---@field clear_on_play boolean    forget them when play mode starts

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
---@field max_line? integer        longest line in bytes before the cut (`log.max_line`, set by look.lua)

---@class unity.OpenRequest   an `open` message as the native module hands it over
---@field file string          absolute or relative to the project; "" asks for no file
---@field line? integer        1-based; nil when Unity gave none
---@field col? integer         1-based, in UTF-16 units as C# counts them; nil when none

---@class unity.Opened        data of `User UnityOpen` and what `on_open` receives
---@field file string          absolute path shown ("" when Unity asked for no file)
---@field line integer         cursor line (1-based) after the jump
---@field col integer          cursor column (1-based, bytes) after the jump
---@field project? string      the Unity project folder
---@field buf? integer
---@field win? integer

---@class unity.ProjectsChanged   data of `User UnityProjectsChanged`
---@field files string[]            absolute paths of the files Unity wrote
---@field project? string
---@field by "sync"|"unity"         :UnitySyncProjects, or Unity on its own

---@class unity.ProjectFilesState
---@field files string[]      the .sln and .csproj files in the project folder
---@field stale? string       a script or assembly definition (relative) the project files miss
---@field why? string         why it makes them stale

return {}
