-- Kepler's problem in the plane, H = |p|²/2 + k/|q| with k = -1
-- (attractive). x = (q1, q2, p1, p2).
local hn = require "hnnc"
hn.model{name = "kepler"}

local k = -1

local function H(x)
  local q, p = hn.split(x, 2)
  return hn.dot(p, p) / 2 + k / hn.sqrt(hn.dot(q, q))
end

-- Conserved besides H: the angular momentum L = q × p and the
-- Laplace–Runge–Lenz vector A = p × L + k q/|q|.
local function invariants(x)
  local q1, q2, p1, p2 = x[1], x[2], x[3], x[4]
  local L = q1 * p2 - q2 * p1
  local r = hn.sqrt(q1 * q1 + q2 * q2)
  return hn.concat{H(x), L, p2 * L + k * q1 / r, -p1 * L + k * q2 / r}
end

hn.fn("H", {x = 4}, H)
hn.fn("field", {x = 4}, hn.field(H))
hn.fn("invariants", {x = 4}, invariants)

-- Their rates of change along the field, d/dt I = ∇I · Ω∇H: zero for a
-- conserved quantity, up to round-off.
hn.fn("invariants_rate", {x = 4}, function(x)
  return hn.jvp(invariants(x), x, hn.field(H)(x))
end)
