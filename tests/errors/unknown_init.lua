local hn = require "hnnc"
local W = hn.param{shape = {2, 2}, init = "xavier"}
hn.fn("H", {x = 2}, function(x) return hn.sum(hn.matmul(x, W)) end)
