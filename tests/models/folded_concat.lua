-- hn.grad with respect to a concatenation read only through slices: hnnc
-- warns (f: the slices fold to the pieces, the gradient is zero); g
-- differentiates at X + 0, where the slices count.
local hn = require "hnnc"
hn.model{name = "folded"}
hn.fn("f", {x = 2}, function(x)
  local X = hn.concat{x, x * 2}
  local y = hn.sum(X:slice(1, 2))
  return hn.grad(y, X)
end)
hn.fn("g", {x = 2}, function(x)
  local X = hn.concat{x, x * 2} + 0
  local y = hn.sum(X:slice(1, 2))
  return hn.grad(y, X)
end)
