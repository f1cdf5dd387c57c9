-- an input of size 0 is named (it was "bad argument #5 to 'fn'")
local hn = require "hnnc"
hn.fn("f", {x = {2, 0}}, function(x) return hn.sum(x) end)
