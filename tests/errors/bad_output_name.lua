local hn = require "hnnc"
hn.fn("f", {x = 2}, function(x)
  return hn.name(hn.tanh(x), "the output")
end)
