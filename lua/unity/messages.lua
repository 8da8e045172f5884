--- Every sentence unity.nvim says to the user, in one place. Other modules hand over data
--- (a `unity.Failure` from the native module or the client, an event's fields); this module
--- words it: what happened, and what to do about it.
local M = {}

local H = {}

--- The messages shown this session, in full (:UnityMessages), the oldest first.
---@type string[]
local said = {}
local KEEP = 200

--- Whether vim.notify is Neovim's own (no notification plugin replaced it): it echoes, and an
--- ERROR from inside an autocommand reads as a crash ("Error detected while processing ...").
---@return boolean
local function builtin_notify()
  local info = debug.getinfo(vim.notify, "S")
  return info ~= nil and info.source:find("vim/_editor.lua", 1, true) ~= nil
end

--- Cells an echo may fill without a hit-enter prompt.
---@return integer
local function echo_room()
  return math.max(20, vim.v.echospace + math.max(0, vim.o.cmdheight - 1) * vim.o.columns)
end

--- `text` cut to `cells` display cells.
---@param text string
---@param cells integer
---@return string
local function cut(text, cells)
  local chars = vim.fn.strchars(text)
  while chars > 0 and vim.api.nvim_strwidth(text) > cells do
    chars = chars - 1
    text = vim.fn.strcharpart(text, 0, chars)
  end
  return text
end

--- Shows a message from unity.nvim. A notification plugin gets it whole. Neovim's own echo
--- gets it highlighted by level but never as an error (inside an autocommand that prints
--- "Error detected while processing" and waits for ENTER), and cut to one line with a pointer
--- to :UnityMessages when it is longer (a longer echo stops the user at a hit-enter prompt).
---@param text string
---@param level? integer  vim.log.levels.*, INFO when nil
function M.notify(text, level)
  level = level or vim.log.levels.INFO
  text = "unity.nvim: " .. text
  said[#said + 1] = text
  if #said > KEEP then
    table.remove(said, 1)
  end
  if not builtin_notify() then
    vim.notify(text, level)
    return
  end
  local hl = level >= vim.log.levels.ERROR and "ErrorMsg" or level == vim.log.levels.WARN and "WarningMsg" or nil
  local room = echo_room()
  -- Without a UI (a headless script) nothing prompts: the text goes out whole.
  local fits = vim.api.nvim_strwidth(text) <= room and not text:find("\n")
  if fits or #vim.api.nvim_list_uis() == 0 then
    vim.api.nvim_echo({ { text, hl } }, true, {})
    return
  end
  local more = "… :UnityMessages"
  local line = cut(text:match("^[^\n]*") or "", room - vim.api.nvim_strwidth(more))
  vim.api.nvim_echo({ { line .. more, hl } }, false, {})
end

--- :UnityMessages: every message of this session in full (the echo area shows one line).
function M.show_all()
  local chunks = {}
  for _, text in ipairs(said) do
    chunks[#chunks + 1] = { text .. "\n" }
  end
  if #chunks == 0 then
    chunks[1] = { "unity.nvim: no messages yet" }
  end
  vim.api.nvim_echo(chunks, false, {})
end

--- The log window's marker text when entries left the history: for one and for more, `%d`
--- being how many (templates: the native module fills them).
---@return string one, string many
function M.history_trimmed()
  return "%d older entry left the history", "%d older entries left the history"
end

-- Failures ----------------------------------------------------------------------------------

--- Words of each failure kind (`unity.FailureKind`). `f` is the failure with its context
--- (`project`, `name`).
---@type table<string, fun(f: unity.Failure): string>
local FAILURES = {
  -- Refused before anything was sent.
  no_project = function(f)
    return string.format(
      "no Unity project at or above %s (a Unity project holds Assets/ and ProjectSettings/ProjectVersion.txt): "
        .. ":UnityConnect <dir> with the project's folder",
      H.shown(f.path)
    )
  end,
  no_name = function()
    return "a command name (a non-empty string) is required"
  end,
  bad_name = function(f)
    return string.format("invalid command name %q: use 1 to 256 printable characters", f.name)
  end,
  bad_args = function(f)
    return string.format("arguments of '%s' must be a table with string keys, not a %s", f.name, f.type or "value")
  end,
  bad_callback = function()
    return "on_reply must be a function"
  end,
  encode = function(f)
    return string.format(
      "arguments of '%s' cannot be sent to Unity (%s): use strings, numbers, booleans and tables of them",
      f.name,
      f.detail
    )
  end,
  -- The connection.
  not_running = function(f)
    return M.absence(f.project)
  end,
  not_connected = function(f)
    return M.absence(f.project)
  end,
  not_reading = function(f)
    return string.format(
      "Unity in %s is not reading commands (its command pipe is full): is the editor busy or frozen? "
        .. "Send it again when Unity responds",
      H.shown(f.project)
    )
  end,
  refused = function(f)
    local what = ({
      symlink = "is a symbolic link",
      not_folder = "is not a folder",
      not_fifo = "is not a FIFO",
      owner = string.format("is owned by uid %s, not by you (uid %s)", f.uid, f.me),
      shared = string.format("is accessible by other users (mode %s)", f.mode),
    })[f.why] or f.why
    local path = f.path or "?"
    local folder = path:match("NeovimBridge$") and path or vim.fs.dirname(path)
    return string.format(
      "not connecting: Unity's pipes are not safe: %s %s. Delete the folder %s and restart Unity so that it creates it afresh",
      path,
      what,
      folder
    )
  end,
  locked = function(f)
    return string.format(
      "another Neovim (pid %d) is connected to Unity in %s: :UnityConnect! takes over",
      f.pid,
      H.shown(f.project)
    )
  end,
  io = function(f)
    return string.format(
      "could not send '%s' to Unity in %s (%s): :UnityConnect! reconnects",
      f.name,
      H.shown(f.project),
      H.errno(f)
    )
  end,
  start = function(f)
    return string.format(
      "could not start the connection to Unity in %s (%s): the system is short of threads or file descriptors",
      H.shown(f.path),
      H.errno(f)
    )
  end,
  reader_stopped = function(f)
    return string.format(
      "the thread reading Unity's log stopped on an internal error (%s): please report it; :UnityConnect! restarts it",
      f.detail
    )
  end,
  read = function(f)
    return string.format("reading Unity's log pipe failed (%s): unity.nvim opens it again", H.errno(f))
  end,
  impostor = function(f)
    return string.format(
      "not connecting: Unity's pipe is served by process %d, not by Unity (pid %d from session.json). "
        .. "Another program took its name (%s), or session.json is stale: restart Unity so that it makes new pipes",
      f.server or -1,
      f.pid or -1,
      f.path or "?"
    )
  end,
  no_watcher = function()
    return "could not create the event-loop handles that watch Unity's queue: restart Neovim"
  end,
  -- Commands sent but never seen by Unity (reported by the writer thread).
  reader_gone = function(f)
    return string.format(
      "Unity closed its command pipe before reading '%s' (%s): it is reloading scripts or quitting; send it again",
      f.name,
      H.errno(f)
    )
  end,
  closed = function(f)
    return string.format("the connection to Unity closed before '%s' was sent", f.name)
  end,
  write = function(f)
    return string.format("writing '%s' to Unity failed (%s): :UnityConnect! reconnects", f.name, H.errno(f))
  end,
  -- Commands Unity may have seen, whose answer can no longer come.
  restarted = function(f)
    return string.format("Unity restarted before answering '%s': send it again", f.name)
  end,
  gone = function(f)
    return string.format("Unity closed the connection before answering '%s': send it again when it is back", f.name)
  end,
  superseded = function(f)
    return string.format(
      "another Neovim (pid %d) took over the connection to Unity before it answered '%s'",
      f.pid,
      f.name
    )
  end,
  disconnected = function(f)
    return string.format("disconnected from Unity (:UnityDisconnect) before it answered '%s'", f.name)
  end,
  -- Renames, moves and deletes of assets (lua/unity/assets/), refused before touching a file.
  asset_missing = function(f)
    return f.path == "" and "this buffer has no file: give the path of the asset"
      or string.format("%s does not exist: nothing to move or delete", f.path)
  end,
  asset_outside = function(f)
    return f.project
        and string.format(
          "%s is outside the Unity project %s: an asset can only move within its project",
          f.path,
          f.project
        )
      or string.format("%s is not in a Unity project: unity.nvim moves and deletes only Unity's assets", f.path)
  end,
  asset_not_imported = function(f)
    local why = ({
      hidden = "it is in a hidden folder (a name starting with '.'), which Unity skips",
      tilde = "it is in a folder whose name ends with '~', which Unity skips",
      root = "the Assets folder itself is not an asset",
      package = "under Packages/ only the files inside an embedded package (a folder with package.json) are assets",
      outside = "Unity imports only Assets/ and embedded packages in Packages/ (not Library/, Temp/ or the project's other folders)",
    })[f.why] or f.why
    return string.format("%s is not an asset Unity imports (%s): use the shell's mv and rm for it", f.path, why)
  end,
  asset_exists = function(f)
    return string.format("%s already exists: not overwritten; pick another name or move it away first", f.path)
  end,
  asset_no_meta = function(f)
    return string.format(
      "%s has no .meta: Unity has not imported it yet (moving it now is safe with mv), or its .meta was lost "
        .. "(restore it from version control first, or Unity gives it a new GUID)",
      f.path
    )
  end,
  asset_into_itself = function(f)
    return string.format("cannot move the folder %s into itself (%s)", f.path, f.to)
  end,
  asset_template = function(f)
    return string.format("no script template %q here: use one of %s", f.name, f.detail)
  end,
  asset_args = function(f)
    return string.format(":%s takes two paths, {from} and {to} (a space in a name needs a backslash before it)", f.name)
  end,
  asset_fs = function(f)
    return string.format("could not move or delete %s (%s): nothing else was changed", f.path, H.errno(f))
  end,
  -- Debugging (:UnityDebug, the nvim-dap configuration provider).
  debug_no_dap = function()
    return "nvim-dap is not installed: :UnityDebug attaches through it; install mfussenegger/nvim-dap "
      .. "and define a debug adapter (:help unity-debug)"
  end,
  debug_no_adapter = function(f)
    return string.format(
      "nvim-dap has no adapter named %q (option debug_adapter): define dap.adapters[%q], "
        .. "for example for unity-dap or monodbg (:help unity-debug-adapters)",
      f.name,
      f.name
    )
  end,
  debug_no_endpoint = function()
    return "Unity did not say where its debugger listens: update the unity.nvim package in Unity "
      .. "(Window > Package Manager), then :UnityDebug again"
  end,
  debug_attach_off = function()
    return "Unity's debugger is off: turn on Preferences > External Tools > Editor Attaching, "
      .. "restart Unity, then :UnityDebug again"
  end,
}

--- The failure kinds that have words (for the spec that checks every kind has).
---@return string[]
function M.failure_kinds()
  return vim.tbl_keys(FAILURES)
end

--- The sentence for a failure.
---@param f unity.Failure
---@return string
function M.failure(f)
  local word = FAILURES[f.kind]
  if not word then
    return string.format("an internal failure (%s): please report it", vim.inspect(f))
  end
  return word(f)
end

--- Why Unity cannot be reached in `root` (default: the working directory), read from its
--- session marker, and what to do.
---@param root? string
---@return string
function M.absence(root)
  root = root or vim.uv.cwd() or "."
  local shown = H.shown(root)
  local s, why = require("unity.project").session(root)
  if why == "missing" then
    return string.format(
      "Unity is not running in %s: open the project in Unity (with the unity.nvim package), or :UnityConnect <dir>",
      shown
    )
  elseif why == "stale" and s then
    return string.format(
      "Unity is not running in %s (its last session, pid %d, ended without cleaning up): open the project in Unity",
      shown,
      s.pid
    )
  elseif why then
    return string.format("Unity's session in %s cannot be read (%s): restart Unity", shown, why)
  end
  return string.format(
    "Unity is running in %s but its unity.nvim package is not listening yet (starting or reloading scripts): "
      .. "try again in a moment",
    shown
  )
end

-- Notifications -----------------------------------------------------------------------------

---@param unity string  the editor's version
function M.connected(unity)
  return string.format("connected to Unity %s", unity)
end

---@param quit boolean  Unity said it quits (else the connection just closed)
function M.gone(quit)
  return quit and "Unity quit" or "Unity disconnected"
end

---@param pid integer
---@param root? string
function M.locked(pid, root)
  return M.failure({ kind = "locked", pid = pid, project = root })
end

---@param pid integer
---@param root? string
function M.superseded(pid, root)
  return string.format(
    "another Neovim (pid %d) took over the connection to Unity in %s: :UnityConnect! takes it back",
    pid,
    H.shown(root)
  )
end

---@param name string
---@param why string
function M.command_failed(name, why)
  return string.format("%s failed: %s", name, why)
end

function M.compiling()
  return "compiling…"
end

---@param err any
function M.callback_failed(err)
  return "a reply callback failed: " .. tostring(err)
end

--- "Unity compiled in 2.3 s: 2 errors, 1 warning"
---@param summary unity.CompileSummary
---@return string
function M.compiled(summary)
  local parts = {}
  if summary.errors > 0 then
    parts[#parts + 1] = H.plural(summary.errors, "error")
  end
  if summary.warnings > 0 then
    parts[#parts + 1] = H.plural(summary.warnings, "warning")
  end
  return string.format(
    "Unity compiled in %.1f s: %s",
    summary.ms / 1000,
    #parts > 0 and table.concat(parts, ", ") or "no errors"
  )
end

-- Assets (lua/unity/assets/) ---------------------------------------------------------------

--- The answers to the question before a delete: yes, no.
---@return string, string
function M.asset_delete_choices()
  return "Delete", "Keep"
end

---@return string
function M.asset_rename_prompt()
  return "Rename to (with its .meta): "
end

---@param path string
---@return string
function M.asset_delete_prompt(path)
  return string.format("Delete %s and its .meta? ", H.shown(path))
end

--- :UnityNew made a script.
---@param path string
---@param template string
---@return string
function M.created(path, template)
  return string.format("created %s from the template %s", H.shown(path), template)
end

--- The answers to the question after a script's rename: yes, no.
---@return string, string
function M.class_rename_choices()
  return "Rename the class", "Keep it"
end

---@param old string
---@param new string
---@return string
function M.class_rename_prompt(old, new)
  return string.format(
    "The script's class is %s: rename it to %s? (Unity finds a MonoBehaviour or ScriptableObject only in a file of its name) ",
    old,
    new
  )
end

---@param old string
---@param server string
---@param err? string
---@return string
function M.class_rename_failed(old, server, err)
  return string.format(
    "%s could not rename the class %s (%s): rename it by hand so that it matches the file's name",
    server,
    old,
    err or "no edit returned"
  )
end

-- Refresh on save and play after the compile (autorefresh.lua, play.lua) -------------------

--- Unity is playing and keeps script changes for when play mode stops.
---@param reason? string  Unity's words for why
---@return string
function M.refresh_deferred(reason)
  return "Unity is in play mode and does not compile the saved scripts now: "
    .. (reason or "it compiles them when play mode stops")
end

--- The `refresh_on_save` function raised.
---@param err any
---@return string
function M.refresh_on_save_failed(err)
  return string.format("refresh_on_save failed: %s (see :help unity-refresh)", H.first_line(err))
end

-- Waits for Unity to be up to date before play or a test run (uptodate.lua) ----------------

--- How the messages of a wait name what follows it.
---@type table<unity.After, {before: string, no: string, follows: string, again: string, unsaved: string, now?: string}>
local AFTER = {
  play = {
    before = "before play",
    no = "play mode not entered",
    follows = "play mode follows",
    again = ":UnityPlay again",
    unsaved = ":UnityPlay! enters play mode without saving",
    now = ":UnityPlay! enters play mode",
  },
  tests = {
    before = "before the tests",
    no = "tests not run",
    follows = "the tests run",
    again = "run the tests again",
    unsaved = "with the option test_saves = false they run without saving",
  },
}

--- :UnityDebug asks Unity for Debug code optimization and waits for the reload.
---@return string
function M.debug_switching()
  return "Unity switches to Debug code optimization: it recompiles and reloads the scripts, then the debugger attaches"
end

--- Unity would not switch its code optimization.
---@param err? string
---@return string
function M.debug_switch_failed(err)
  return string.format(
    "debugger not attached: Unity did not switch to Debug code optimization: %s",
    err or "it gave no reason (see its console)"
  )
end

--- The Debug recompile had errors (they are in the quickfix list).
---@param errors integer
---@return string
function M.debug_refused(errors)
  return string.format(
    "debugger not attached: the Debug recompile found %s (:copen lists them); fix them and :UnityDebug again",
    H.plural(errors, "compile error")
  )
end

--- Unity did not come back from the Debug recompile within `ms`.
---@param ms integer
---@return string
function M.debug_timeout(ms)
  return string.format(
    "debugger not attached: Unity did not finish its Debug recompile and reload within %s "
      .. "(option play_timeout_ms); :UnityDebug again once it is back",
    H.seconds(ms)
  )
end

--- :checkhealth: where a debugger attaches, or why it cannot.
---@param debug? unity.DebugEndpoint
---@param optimization? string
---@return string text, boolean ok
function M.debug_health(debug, optimization)
  if not debug then
    return M.failure({ kind = "debug_no_endpoint" }), false
  end
  if not debug.attach then
    return M.failure({ kind = "debug_attach_off" }), false
  end
  return string.format(
    "debugger endpoint %s:%d, Editor Attaching on, code optimization %s%s",
    debug.address,
    debug.port,
    optimization or "unknown",
    optimization == "release" and " (:UnityDebug switches to Debug, where breakpoints stop)" or ""
  ),
    true
end

--- A modified buffer of the project could not be written.
---@param after unity.After
---@param file string
---@param err any
---@return string
function M.wait_save_failed(after, file, err)
  local a = AFTER[after]
  return string.format("could not write %s %s (%s): %s; %s", H.file(file), a.before, H.first_line(err), a.no, a.unsaved)
end

--- A second request while the first still waits.
---@param after unity.After
---@return string
function M.wait_already(after)
  local a = AFTER[after]
  return string.format(
    "already waiting for Unity's compile %s%s",
    a.before,
    a.now and (": " .. a.now .. " now") or ": the tests run when it ends"
  )
end

--- The refresh started a compile: what follows waits for it.
---@param after unity.After
---@return string
function M.wait_compiling(after)
  return string.format("compiling… %s when the compile succeeds", AFTER[after].follows)
end

--- The refresh failed.
---@param after unity.After
---@param err string
---@return string
function M.wait_refresh_failed(after, err)
  local a = AFTER[after]
  return string.format(
    "could not refresh Unity %s: %s.%s",
    a.before,
    err,
    a.now and (" " .. a.now .. " without refreshing") or (" " .. a.no)
  )
end

--- The compile had errors (they are in the quickfix list).
---@param after unity.After
---@param errors integer
---@return string
function M.wait_refused(after, errors)
  local a = AFTER[after]
  return string.format(
    "%s: the scripts have %s (:copen lists them); fix them and %s",
    a.no,
    H.plural(errors, "compile error"),
    a.again
  )
end

--- The compile did not finish within `play_timeout_ms`.
---@param after unity.After
---@param ms integer
---@return string
function M.wait_timeout(after, ms)
  local a = AFTER[after]
  return string.format(
    "%s: Unity's compile did not finish within %s (option play_timeout_ms)%s",
    a.no,
    H.seconds(ms),
    a.now and ("; " .. a.now .. " without waiting") or ""
  )
end

--- Unity reloaded its scripts after the compile and did not come back in time.
---@param after unity.After
---@param ms integer
---@return string
function M.wait_no_reload(after, ms)
  local a = AFTER[after]
  return string.format(
    "%s: Unity reloaded its scripts after the compile and did not come back within %s "
      .. "(option play_reconnect_ms); %s once it is back",
    a.no,
    H.seconds(ms),
    a.again
  )
end

--- Unity went away during the wait: it quit, or it did not come back within `ms`.
---@param after unity.After
---@param quit boolean
---@param ms integer
---@return string
function M.wait_gone(after, quit, ms)
  local a = AFTER[after]
  local who = after == "play" and ":UnityPlay" or "the test run"
  if quit then
    return string.format("%s: Unity quit while %s waited for the compile", a.no, who)
  end
  return string.format(
    "%s: Unity disconnected while %s waited for the compile and did not come back within %s "
      .. "(option play_reconnect_ms)",
    a.no,
    who,
    H.seconds(ms)
  )
end

-- Play mode (:UnityPlay, :UnityStop, :UnityPause, :UnityStep) --------------------------------

---@return string
function M.play_entered()
  return "Unity entered play mode"
end

---@return string
function M.play_already()
  return "Unity is already in play mode"
end

---@return string
function M.play_left()
  return "Unity left play mode"
end

---@return string
function M.stop_not_playing()
  return "Unity is not in play mode: nothing to stop"
end

---@param paused boolean
---@param playing boolean
---@return string
function M.paused(paused, playing)
  if playing then
    return paused and "Unity paused play mode" or "Unity resumed play mode"
  end
  return paused and "pause is on: play mode will start paused" or "pause is off"
end

---@param playing boolean
---@return string
function M.stepped(playing)
  return playing and "Unity advanced one frame (paused)" or "Unity is not in play mode: nothing to step"
end

-- Tests ---------------------------------------------------------------------------------------

--- "Unity tests: 128 passed, 2 failed (1 error), 1 skipped in 3.4 s"; a cancelled run says so.
--- The words in parentheses are NUnit's result states beyond the status ("Failed:Error": the
--- test threw, it did not fail an assertion).
---@param s unity.TestSummary
---@param kinds? table<string, {[1]: string, [2]: integer}[]>  by status: each state word and its count
---@return string
function M.tested(s, kinds)
  local parts = { s.passed .. " passed" }
  for _, key in ipairs({ "failed", "skipped", "inconclusive" }) do
    if s[key] > 0 then
      local detail = vim.tbl_map(function(k)
        return k[2] .. " " .. k[1]
      end, (kinds or {})[key] or {})
      parts[#parts + 1] = s[key] .. " " .. key .. (#detail > 0 and (" (" .. table.concat(detail, ", ") .. ")") or "")
    end
  end
  return string.format(
    "Unity tests: %s%s in %.1f s",
    s.cancelled and "the run was cancelled: " or "",
    table.concat(parts, ", "),
    s.ms / 1000
  )
end

--- A run that found no test to run.
---@param mode? string  "edit" or "play"
---@param filtered? boolean
---@return string
function M.test_none(mode, filtered)
  return string.format(
    "Unity tests: Unity found no %s test%s. Tests live in a test assembly: in Unity's Project window, "
      .. "Create > Testing > Tests Assembly Folder (from the Test Framework package, com.unity.test-framework)%s",
    mode == "play" and "PlayMode" or "EditMode",
    filtered and " matching the filter" or "",
    mode == "play" and "" or "; PlayMode tests run with :UnityTest play"
  )
end

---@param received integer
---@param total integer
function M.test_interrupted(received, total)
  return string.format(
    "Unity tests: the run was interrupted, Unity went away after %d of %d results: :UnityTestLast runs them again",
    received,
    total
  )
end

---@param mode any
function M.test_bad_mode(mode)
  return string.format('tests run in mode "edit" or "play", not %s', vim.inspect(mode))
end

function M.test_no_run_id()
  return "Unity accepted tests.run but named no run: is the unity.nvim package in Unity up to date?"
end

function M.test_no_last()
  return "no tests were run yet: :UnityTest runs them all"
end

function M.test_none_in_file()
  return "no test fixture in this buffer (a class with [Test], [UnityTest] or [TestCase] methods)"
end

function M.test_none_at_cursor()
  return "the cursor is not in a test or a test fixture: :UnityTestFile runs the buffer's tests"
end

-- Opening files (Unity's `open` requests, the log window's jump) ----------------------------

--- A file could not be shown (Vim refused to edit it, or the open raised).
---@param file string
---@param err any  the error; its first line is shown
---@return string
function M.open_failed(file, err)
  return string.format("could not open %s: %s", H.file(file), H.first_line(err))
end

---@param file string
---@return string
function M.open_missing(file)
  return string.format(
    "Unity asked to open %s, which does not exist (deleted or renamed?): Assets > Refresh in Unity updates its list",
    H.file(file)
  )
end

---@param file string
---@return string
function M.open_not_file(file)
  return string.format("Unity asked to open %s, which is not a file", H.file(file))
end

--- Unity asked for a line past the end of the file; the cursor is on the last one.
---@param file string
---@param lines integer  the file's line count
---@param asked integer  the line Unity asked for
---@return string
function M.open_past_end(file, lines, asked)
  return string.format(
    "%s has %d lines; Unity asked for line %d: the cursor is on the last line",
    H.file(file),
    lines,
    asked
  )
end

--- The `on_open` function raised.
---@param err any
---@return string
function M.on_open_failed(err)
  return string.format("on_open failed: %s (see :help unity-on_open)", H.first_line(err))
end

--- The `on_open` command ran and exited non-zero.
---@param command string  its program (the first argument)
---@param code integer
---@param stderr? string  what it wrote to stderr; its first line is shown
---@return string
function M.on_open_exited(command, code, stderr)
  local why = vim.trim(stderr or "")
  return string.format(
    "on_open command %s exited with code %d%s",
    command,
    code,
    why ~= "" and (": " .. H.first_line(why)) or ""
  )
end

--- The `on_open` command could not be started (not found, not executable).
---@param command string  its program (the first argument)
---@param err any
---@return string
function M.on_open_unstartable(command, err)
  return string.format("on_open command %s could not start: %s (see :help unity-on_open)", command, H.first_line(err))
end

-- Project files (:UnitySyncProjects, `projects` messages) -----------------------------------

--- Unity answered `sync` with the files it wrote (none when they were up to date).
---@param written integer
---@return string
function M.synced(written)
  if written == 0 then
    return "the project files are up to date: Unity had nothing to write"
  end
  return string.format("Unity wrote %s", H.plural(written, "project file"))
end

--- Unity refused or failed `sync`.
---@param err? string  the reply's error
---@return string
function M.sync_failed(err)
  if err and err:find("no command named 'sync'", 1, true) then
    return "the unity.nvim package in this Unity project is too old to write project files: "
      .. "update it in Unity's Package Manager"
  end
  return "sync failed: " .. (err or "no reason given")
end

--- Unity regenerated the project files without being asked.
---@param written integer
---@return string
function M.regenerated(written)
  return string.format("Unity regenerated the project files (%d written)", written)
end

-- The log window ----------------------------------------------------------------------------

--- The user's entry hooks raised during a full render; the window then renders without them.
---@param err any
---@return string
function M.log_hook_failed(err)
  return string.format(
    "log.filter_entry or log.format_entry failed (%s): the log window shows every entry unformatted "
      .. "until the hook is fixed",
    tostring(err)
  )
end

---@return string
function M.no_source()
  return "no source file of this project on this line or in this entry"
end

---@param count integer  entries put in the quickfix list
---@return string
function M.quickfix_filled(count)
  return string.format("%d log entr%s in the quickfix list", count, count == 1 and "y" or "ies")
end

-- Runtime exceptions and pickers -----------------------------------------------------------

--- A runtime exception site's diagnostic: "NullReferenceException: ... ×37, last 12:04:31".
---@param text string   the message's first line
---@param count integer
---@param time? integer unix time in ms of the last one
---@return string
function M.runtime_site(text, count, time)
  local last = time and (", last " .. os.date("%H:%M:%S", math.floor(time / 1000))) or ""
  return string.format("%s ×%d%s", text, count, last)
end

---@param count integer  sites forgotten
---@return string
function M.runtime_cleared(count)
  return string.format("cleared %s", H.plural(count, "runtime exception site"))
end

--- `:UnityPick` with a source it does not know.
---@param name string
---@param known string[]
---@return string
function M.pick_unknown(name, known)
  return string.format("nothing to pick named %q: use one of %s", name, table.concat(known, ", "))
end

--- A source with nothing to pick.
---@param name string
---@return string
function M.pick_empty(name)
  local what = {
    logs = "no log entries yet",
    errors = "no compile errors or warnings from the last compile",
    exceptions = "no runtime exceptions in the project's code since they were last cleared",
  }
  return what[name] or string.format("nothing to pick in %s", name)
end

---@return string
function M.pick_no_tests()
  return "no tests to pick yet: :UnityTest runs them, then they are listed here"
end

--- The option `picker` names a plugin that does not load.
---@param name string
---@param err any
---@return string
function M.picker_missing(name, err)
  return string.format(
    'option picker is %q but it does not load (%s): install it, or set picker = "auto"',
    name,
    H.first_line(err)
  )
end

--- A source or picker plugin failed.
---@param name string
---@param err any
---@return string
function M.pick_failed(name, err)
  return string.format("picking %s failed: %s", name, H.first_line(err))
end

-- Options -----------------------------------------------------------------------------------

---@param path string  dotted, e.g. "log.position"
---@param expected string
---@param got any
function M.option_invalid(path, expected, got)
  return string.format("unity.nvim: option %s must be %s, got %s", path, expected, vim.inspect(got))
end

---@param path string  dotted, e.g. "log.positon"
function M.option_unknown(path)
  return string.format("unity.nvim: unknown option %q (see :help unity-options)", path)
end

-- Marker lines of the log window ------------------------------------------------------------

M.marker = {}

---@param unity string
---@param pid integer
function M.marker.connected(unity, pid)
  return string.format("connected to Unity %s (pid %d)", unity, pid)
end

M.marker.reconnected = "reconnected after a script reload"
M.marker.reloading = "Unity is reloading scripts"
M.marker.quit = "Unity quit"
M.marker.closed = "Unity closed the connection"

local LOST_CAUSE = {
  gap = "missing from Unity's stream",
  corrupt = "in corrupt frames",
  overflow = "Neovim fell behind",
}

---@param count integer
---@param cause string
function M.marker.lost(count, cause)
  return string.format("%s lost (%s)", H.plural(count, "message"), LOST_CAUSE[cause] or cause)
end

---@param pid integer
function M.marker.superseded(pid)
  return string.format("another Neovim (pid %d) took over", pid)
end

-- Helpers -----------------------------------------------------------------------------------

--- A folder (a project), from the home directory: relative to the working directory, the
--- project itself would read ".".
---@param path? string
function H.shown(path)
  return vim.fn.fnamemodify(path or vim.uv.cwd() or ".", ":~")
end

--- A file, relative to the working directory when inside it (the project's files, short).
---@param path string
function H.file(path)
  return vim.fn.fnamemodify(path, ":~:.")
end

--- An error's first line, without Vim's "Vim:" prefix (a traceback follows it).
---@param err any
function H.first_line(err)
  return ((tostring(err):match("^[^\n]*") or ""):gsub("^Vim:", ""))
end

--- "EPIPE: Broken pipe"
---@param f unity.Failure
function H.errno(f)
  if not f.errname then
    return "no error code"
  end
  return string.format("%s: %s", f.errname, f.strerror or ("errno " .. tostring(f.errno)))
end

--- "1.5 s", "120 s"
---@param ms integer
function H.seconds(ms)
  return string.format("%g s", ms / 1000)
end

function H.plural(n, word)
  return string.format("%d %s%s", n, word, n == 1 and "" or "s")
end

-- Installing the native module (:UnityBuild, build.lua) ---------------------------------------

local INSTALL = {
  unknown_system = function(r)
    return string.format(
      "no prebuilt library for this system (%s; releases have Linux x86_64/aarch64 glibc, macOS x86_64/arm64, Windows x86_64)",
      r.system
    )
  end,
  no_release = function(r)
    return r.tag
        and string.format("no release for this checkout: its tag %s is not %s, Cargo.toml's version", r.tag, r.want)
      or string.format("no release for this checkout: it is not at a release tag (%s), it sits between tags", r.want)
  end,
  no_source = function()
    return "no release source: the plugin's origin is not on GitHub; set UNITY_NVIM_RELEASES_URL or the option install.releases_url"
  end,
  download = function(r)
    return string.format("download of %s failed: %s", r.url, r.why)
  end,
  bad_sum_file = function(r)
    return string.format("%s holds no sha256 (64 hex digits): the release is broken", r.url)
  end,
  checksum = function(r)
    return string.format(
      "%s does not match its checksum (sha256 %s, the release says %s): refused, the download was corrupted or tampered with",
      r.url,
      r.got or "unreadable",
      r.want
    )
  end,
  no_load = function(r)
    return string.format("%s does not load in Neovim: %s", r.url, r.why)
  end,
  wrong_version = function(r)
    return string.format(
      "%s reports version %s, not %s: refused, the release holds another version",
      r.url,
      r.got,
      r.want
    )
  end,
  place = function(r)
    return string.format("the new library could not be put in place (%s); the previous one is kept", r.why)
  end,
  no_cargo = function(r)
    return "cannot build the native module: cargo is not on PATH; install Rust from https://rustup.rs"
      .. (r.windows and " (with the Visual Studio C++ Build Tools)" or "")
      .. ", then run :UnityBuild"
  end,
  build_failed = function(r)
    return "building the native module with cargo failed: " .. r.why
  end,
}

--- The kinds of install refusal, for tests.
---@return string[]
function M.install_kinds()
  return vim.tbl_keys(INSTALL)
end

--- Why the installer did not install (one line), kept library and all.
---@param r {kind: string}
---@return string
function M.install_refused(r)
  return assert(INSTALL[r.kind], r.kind)(r)
end

---@param url string
function M.install_downloading(url)
  return "downloading " .. url
end

---@param root string
function M.install_building(root)
  return "building the native module with cargo in " .. root .. " (a minute or two)"
end

---@param source "download"|"build"
---@param version string
function M.install_done(source, version)
  return string.format(
    "native module %s %s and installed",
    version,
    source == "download" and "downloaded, verified (sha256, test load)" or "built"
  )
end

function M.install_busy()
  return "the native module is already being installed; wait for it to finish"
end

function M.install_restart()
  return "restart Neovim to load the new native module (this one keeps the library it has loaded)"
end

return M
