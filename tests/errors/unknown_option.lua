local hn = require "hnnc"
local W = hn.param{shape = {2, 2}, init = "glorot", colour = "red"}
hn.fn("H", {x = 2}, function(x) return hn.sum(hn.matmul(x, W)) end)
