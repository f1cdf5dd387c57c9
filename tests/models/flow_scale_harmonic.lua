-- A flow with a known answer: one scale layer (s = given), on harmonic
-- oscillator orbits (H = (q² + p²)/2). With s = 0 the flow is the identity:
-- r = q² + p² is exactly conserved, the angle turns at -1 (q = cos t,
-- p = -sin t), Σ mean r = q0² + p0². tests/test_flows.c evaluates it.
local hn = require "hnnc"
local flow = require "hnnc.flow"
hn.model{name = "flow_scale_harmonic", seed = 0}
hn.data{system = "../../models/systems/harmonic.lua", x0 = {{1, 0.5}, {0.3, 0}},
        t = {0, 20, points = 400}, integrator = "dop853", rtol = 1e-12, atol = 1e-12, split = {train = 0.5}}
hn.train{steps = 10}
local T = flow.stack{flow.scale{n = 1}}
flow.declare(T, {window = 8, baseline = {1}})   -- the linear normal form of ω = 1: r = q² + p²
local function loss(x, xdot) return flow.trajectory_loss(T, x) end
hn.fn("loss", {x = {8, 2}, xdot = {8, 2}}, loss)
hn.fn("loss_grad", {x = {8, 2}, xdot = {8, 2}}, function(x, xdot)
  local L = loss(x, xdot)
  return L, hn.grad(L, hn.params())
end)
