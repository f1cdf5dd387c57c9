-- a system with an H but no field (tests/errors/data_no_field.lua)
local hn = require "hnnc"
hn.fn("H", {x = 2}, function(x) return hn.sum(hn.square(x)) / 2 end)
