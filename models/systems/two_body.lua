-- Two bodies in the plane under Newtonian gravity, G = m1 = m2 = 1:
-- H = |p1|²/2 + |p2|²/2 − 1/|q1 − q2|. x = (q1, q2, p1, p2), each 2-D.
local hn = require "hnnc"
hn.model{name = "two_body"}

local function H(x)
  local q, p = hn.split(x, 2)
  local q1, q2 = hn.split(q, 2)
  local r = q1 - q2
  return hn.dot(p, p) / 2 - 1 / hn.sqrt(hn.dot(r, r))
end

hn.fn("H", {x = 8}, H)
hn.fn("field", {x = 8}, hn.field(H))
