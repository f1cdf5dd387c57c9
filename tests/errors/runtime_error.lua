local hn = require "hnnc"
local t = nil
hn.fn("H", {x = 2}, function(x) return t.value end)
