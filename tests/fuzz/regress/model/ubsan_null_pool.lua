-- hnnc dump of a 120-way concat overflowed a fixed buffer (segfault)
local hn = require "hnnc"
hn.fn("f", {x = 1}, function(x) local t = {} for i = 1, 120 do t[i] = x * i end return hn.concat(t) end)
