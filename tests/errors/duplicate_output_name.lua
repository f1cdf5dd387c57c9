local hn = require "hnnc"
hn.fn("f", {x = 2}, function(x)
  return hn.name(hn.tanh(x), "y"), hn.name(hn.sin(x), "y")
end)
