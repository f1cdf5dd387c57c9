local hn = require "hnnc"
hn.fn("f", {x = 2}, function(x) return hn.tanh(x) end, {cold = true, hot = true})
