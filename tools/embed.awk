# Turns files into C strings: the Lua library (module name, source) or the
# elementary-function fragment.
function esc(s) { gsub(/\\/, "&&", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); return s }
BEGIN {
  if (mode == "lualib") print "const char *const hnnc_lualib[][2] = {"
  else print "const char " name "[] ="
}
mode == "lualib" && FNR == 1 {
  if (NR > 1) print "  },"
  name = FILENAME
  sub(/^compiler\/lib\//, "", name); sub(/\.lua$/, "", name); gsub(/\//, ".", name)
  printf "  {\"%s\",\n", name
}
{ printf "   \"%s\\n\"\n", esc($0) }
END {
  if (mode == "lualib") { print "  },"; print "  {0, 0}};" }
  else print ";"
}
