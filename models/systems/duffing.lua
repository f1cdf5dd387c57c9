-- The unforced, undamped Duffing oscillator (a double well):
-- H = p²/2 + α q²/2 + β q⁴/4 with α = -1, β = 1. x = (q, p).
-- Minima H = -1/4 at q = ±1; orbits with H < 0 stay in one well.
local hn = require "hnnc"
hn.model{name = "duffing"}

local alpha, beta = -1, 1

local function H(x)
  local q, p = x[1], x[2]
  return hn.square(p) / 2 + alpha * hn.square(q) / 2 + beta * q ^ 4 / 4
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
