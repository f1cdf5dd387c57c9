local hn = require "hnnc"
hn.data{system = "systems/no_field.lua", x0 = {{1, 0}}, t = {0, 1, points = 10}}
hn.fn("f", {x = 2}, function(x) return x end)
