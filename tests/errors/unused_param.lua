local hn = require "hnnc"
local W = hn.param{shape = {2, 2}, init = "glorot"}
local b = hn.param{shape = 2, name = "bias"}
hn.fn("H", {x = 2}, function(x) return hn.sum(hn.matmul(x, W)) end)
