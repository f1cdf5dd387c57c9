-- The Hénon–Heiles system: H = (p1² + p2²)/2 + (q1² + q2²)/2 + q1² q2 - q2³/3.
-- x = (q1, q2, p1, p2).
local hn = require "hnnc"
hn.model{name = "henon_heiles"}

local function H(x)
  local q1, q2, p1, p2 = x[1], x[2], x[3], x[4]
  return (p1 * p1 + p2 * p2) / 2 + (q1 * q1 + q2 * q2) / 2 + q1 * q1 * q2 - q2 ^ 3 / 3
end

hn.fn("H", {x = 4}, H)
hn.fn("field", {x = 4}, hn.field(H))
