-- The ideal mass-spring system as coded by Greydanus et al.: H = q² + p².
local hn = require "hnnc"
hn.model{name = "spring"}

local function H(x)
  return hn.square(x[1]) + hn.square(x[2])
end

hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
