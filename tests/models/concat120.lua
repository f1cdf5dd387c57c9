-- A 120-way concat: its dump line once overflowed a fixed buffer (ir.c).
local hn = require "hnnc"
hn.model{name = "concat120"}
hn.fn("f", {x = 2}, function(x)
  local parts = {}
  for i = 1, 120 do parts[i] = x * i end
  return hn.concat(parts)
end)
