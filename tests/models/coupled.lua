-- A Hamiltonian that is not separable: H = p²/2 + q²/2 + q p / 4 (a
-- harmonic oscillator in skewed coordinates). Its mixed derivative
-- ∂²H/∂q∂p = 1/4 is not zero, so leapfrog does not apply.
local hn = require "hnnc"
hn.model{name = "coupled"}

local function H(x)
  local q, p = x[1], x[2]
  return p * p / 2 + q * q / 2 + q * p / 4
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
