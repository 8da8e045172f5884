# make lint: a function of a module defined twice at the top level of a file (luacheck does not
# see it; the second definition silently wins over the first).
FNR == 1 { delete seen }
/^function [A-Za-z_][A-Za-z0-9_.:]*\(/ {
  name = $2; sub(/\(.*/, "", name)
  if (name in seen) { printf "%s:%d: %s is defined again (first at line %d)\n", FILENAME, FNR, name, seen[name]; bad = 1 }
  else seen[name] = FNR
}
END { exit bad }
