local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
local double = flow.layer{n = 1, forward = function(X) return X * 2 end}
local T = flow.stack{flow.linear{n = 1}, double}
hn.fn("inverse", {y = 2}, function(y)
  return T.inverse(y)
end)
