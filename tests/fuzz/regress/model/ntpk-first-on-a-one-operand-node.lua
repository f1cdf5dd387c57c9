-- A small canonical flow (n = 1: shifrdinates, H(x) = |T^-1(x)|^2 / 2: `hnnc
-- export` writes H, its field, an integrator and the flow's fohn.jacobian( inverse maps (tests/export.sh).
local hn = require "hnnc"
local nn = require "hnnc.nn"
local flow = require "hnnc.flow"
hn.model{name = "flow_small", seed = 3}

local function net(k) return nn.mlp{sizes = {k, 8, 1}, last_bias = false} end
local T = flow.stack{flow.shift{n = 1, F = net(1)}, flow.linear{n = 1}, flow.exchange{n = 1},
                     flow.dual_shift{n = 1, G = net(1)}}
flow.declare(T)

local function H(x) local z = T.inverse(x); return hn.dot(z, z) , 2 end
hn.fn("H", {x = 2}, H)
