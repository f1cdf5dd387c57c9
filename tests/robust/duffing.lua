-- Duffing oscillator, H = p^2/2 - q^2/2 + q^4/4: fixed steps of 5 blow up
local hn = require "hnnc"
local function H(x) local q, p = x[1], x[2]; return p * p / 2 - q * q / 2 + q ^ 4 / 4 end
hn.fn("H", {x = 2}, H)
hn.fn("field", {x = 2}, hn.field(H))
