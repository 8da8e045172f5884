--- :checkhealth unity
local M = {}

function M.check()
  local h = vim.health
  h.start("unity.nvim")

  ---@diagnostic disable-next-line: call-non-callable (vim.version is callable through its metatable)
  local version = tostring(vim.version())
  if vim.fn.has("nvim-0.10") == 1 then
    h.ok("Neovim " .. version)
  else
    h.error("Neovim 0.10 or newer is required; this is " .. version)
  end

  local native, err = require("unity.native").get()
  if native then
    h.ok("native module loaded, version " .. native.version)
    M.library(h, require("unity.version").root)
    local panic = native.last_panic()
    if panic then
      h.error(
        "the native module recorded an internal error: " .. panic,
        "please report it; :UnityConnect! restarts the connection"
      )
    end
  else
    h.error(assert(err))
  end

  local root = require("unity.project").find()
  if not root then
    h.warn(
      "not inside a Unity project (no Assets/ and ProjectSettings/ProjectVersion.txt at or above "
        .. vim.uv.cwd()
        .. ")",
      { "start Neovim in the project folder, or :UnityConnect <dir>" }
    )
    return
  end
  h.ok("Unity project: " .. root)
  require("unity.projects").check_health(root)

  local project = require("unity.project")
  local session, why = project.session(root)
  if session and not why then
    h.ok(string.format("Unity %s is running (pid %d)", session.unity or "?", session.pid))
  else
    h.warn(require("unity.messages").absence(root))
  end

  if native and session and not why then
    local ok, cerr = native.check(root)
    if ok and vim.fn.has("win32") == 1 then
      h.ok(
        string.format(
          "session.json names Unity's named pipes; each connection checks that Unity (pid %d) serves them",
          session.pid
        )
      )
    elseif ok then
      h.ok("Temp/NeovimBridge and its FIFOs are yours and private (0700 / 0600)")
    else
      h.error(require("unity.messages").failure(cerr))
    end
  end

  local s = require("unity.client").status()
  local handle = require("unity.client").handle()
  if s.connected then
    h.ok(
      string.format("connected to Unity %s; %d messages lost, %d corrupt frames skipped", s.unity, s.lost, s.corrupt)
    )
    local text, ok = require("unity.messages").debug_health(s.debug, s.optimization)
    if ok then
      h.ok(text)
    else
      h.warn(text)
    end
  elseif s.project then
    h.info("connection open, waiting for Unity in " .. s.project)
  else
    h.info("not connected (:UnityConnect, or any unity.nvim command, connects)")
  end
  if handle then
    local st, paths = handle:stats(), handle:paths()
    h.info(
      string.format(
        "reading %s: %d frames (%.1f MB) received, %d events waiting; commands to %s: %s",
        paths.to_nvim,
        st.frames,
        st.bytes / 1e6,
        st.queued,
        paths.to_unity,
        handle:writable() and "Unity is reading them" or "not open yet (opened by the next command)"
      )
    )
    local wake = require("unity.client").wake()
    if wake and wake.how == "timer" then
      h.warn(
        "Neovim looks for Unity's messages on a 16 ms timer instead of being woken when they arrive: "
          .. (wake.problem or "no reason given"),
        {
          "messages reach Neovim up to 16 ms later, and it wakes about 60 times a second while idle; :UnityConnect! tries again",
        }
      )
    end
    if st.renumbered > 0 then
      h.warn(
        string.format(
          "Unity restarted its log numbering %d time(s) within one session: every message was shown, but gaps before each restart could not be counted",
          st.renumbered
        ),
        { "the Unity package lost its saved state or was replaced by another version; update both sides if it recurs" }
      )
    end
  end
end

--- Where the library of the plugin in `root` came from (download or build, from its
--- provenance file) and its sha256, hashed now: a library replaced by hand shows as changed.
---@param h table vim.health
---@param root string
function M.library(h, root)
  local targets = require("unity.install.targets")
  local sha = require("unity.install.sha256").file(root .. "/lua/" .. targets.library)
  if not sha then
    return
  end
  local record = require("unity.install").provenance(root)
  if not record then
    h.info("library sha256 " .. sha .. "; no record of where it came from (built with `make`, or by hand)")
  elseif record.sha256 and record.sha256 ~= sha then
    h.warn(
      string.format(
        "library sha256 %s, but %s recorded %s when it was installed",
        sha,
        targets.provenance,
        record.sha256
      ),
      { "it was replaced since; :UnityBuild installs the release's again" }
    )
  elseif record.source == "download" then
    h.ok(string.format("library downloaded from %s, sha256 %s (verified)", record.url or "?", sha))
  else
    h.ok(string.format("library built with cargo, sha256 %s", sha))
  end
end

return M
