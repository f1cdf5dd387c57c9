-- a "system" whose state has 3 values (tests/errors/data_odd_state.lua)
local hn = require "hnnc"
local function H(x) return hn.sum(hn.square(x)) / 2 end
hn.fn("H", {x = 3}, H)
hn.fn("field", {x = 3}, function(x) return hn.grad(H)(x) end)
