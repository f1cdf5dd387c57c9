local hn = require "hnnc"
local W = hn.param{shape = {2, 2}, init = "glorot"}
hn.fn("g", {x = 2}, function(x)
  local y = hn.sum(hn.tanh(hn.matmul(x, W)))
  return hn.grad(y, W)
end)
