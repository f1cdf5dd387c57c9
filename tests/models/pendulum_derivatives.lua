-- The derivative helpers of the language on the pendulum, H = 3(1 - cos q) + p²,
-- whose answers are known in closed form (tests/test_models.c):
--   jacobian of the field   [[0, 2], [-3 cos q, 0]]
--   hvp(H, x, v)            (3 cos q v1, 2 v2)
--   grad(grad(H)·v)         the same, by reverse over reverse
local hn = require "hnnc"

local function H(x) return 3 * (1 - hn.cos(x[1])) + hn.square(x[2]) end

hn.fn("jacobian", {x = 2}, function(x) return hn.jacobian(hn.field(H)(x), x) end)
hn.fn("hvp", {x = 2, v = 2}, function(x, v) return hn.hvp(H, x, v) end)
hn.fn("hvp_rev", {x = 2, v = 2}, function(x, v) return hn.grad(hn.dot(hn.grad(H)(x), v), x) end)
