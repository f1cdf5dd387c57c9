local hn = require "hnnc"
hn.fn("H", {x = 2}, function(x)
  local y = x + hn.zeros{3}
  return hn.sum(y)
end)
