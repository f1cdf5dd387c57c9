local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
local T = flow.stack{flow.linear{n = 2}}
hn.fn("forward", {x = 5}, function(x) return T.forward(x) end)
