-- a field of size 1e150 (as a network with a weight of 1e300 gives): the
-- adaptive step must stop at its floor instead of crawling for ever
local hn = require "hnnc"
local w = hn.param{shape = {1}, init = "ones", name = "w"}
local function H(x) return hn.sum(hn.square(x)) * (w[1] * 1e150) end
hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
