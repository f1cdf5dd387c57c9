-- The ideal pendulum as coded by Greydanus et al.: H = 3(1 - cos q) + p².
local hn = require "hnnc"
hn.model{name = "pendulum"}

local function H(x)
  local q, p = x[1], x[2]
  return 3 * (1 - hn.cos(q)) + hn.square(p)
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
