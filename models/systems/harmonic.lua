-- The harmonic oscillator, H = (q² + p²)/2: its field is exactly (p, -q).
local hn = require "hnnc"
hn.model{name = "harmonic"}

local function H(x)
  return (hn.square(x[1]) + hn.square(x[2])) / 2
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
