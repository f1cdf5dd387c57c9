-- a non-separable H with a q p term: leapfrog and yoshida4 would run on it
-- and lose the energy without a word; they are refused, naming
-- implicit_midpoint
local hn = require "hnnc"
local function H(x) local q, p = x[1], x[2]; return (q * q + p * p) / 2 + 0.3 * q * p end
hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
