local hn = require "hnnc"
local nn = require "hnnc.nn"
local net = nn.mlp{sizes = {2, 16, 1}, act = "tanhh"}
hn.fn("H", {x = 2}, function(x) return net(x)[1] end)
