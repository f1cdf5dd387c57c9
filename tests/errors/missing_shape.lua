local hn = require "hnnc"
hn.fn("H", {y = 2}, function(x) return hn.sum(x) end)
