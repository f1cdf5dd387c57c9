local hn = require "hnnc"
hn.fn("H", {x = 2}, function(x)
  return hn.sum(x) * (1 / 0)
end)
