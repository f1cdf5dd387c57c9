-- Hamiltonian neural network for the two-body task of Greydanus et al. (2019),
-- as the reference code builds it: a 8-200-200-2 tanh MLP with orthogonal
-- weights and no bias on the last layer; output 2 is H, and the model's
-- vector field is (∂H/∂p, −∂H/∂q). The training loss is the mean over all
-- elements of (ẋ − field(x))². Data: the published task (hnnc.tasks); training settings: hn.train
-- (shared/ref/hnn-tasks.md).
local hn = require "hnnc"
local nn = require "hnnc.nn"
hn.model{name = "two_body_hnn", seed = 0}
require("hnnc.tasks").two_body{system = "../systems/two_body.lua"}   -- the data set (hnnc/tasks.lua)
hn.train{steps = 10001, lr = 1e-3, weight_decay = 0, batch = 200}

local mlp = nn.mlp{sizes = {8, 200, 200, 2}, act = "tanh", init = "orthogonal", last_bias = false}

local function H(x) return mlp(x)[2] end
local field = hn.field(H)

local function loss(x, xdot)
  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot)))
end

hn.fn("H", {x = 8}, H)
hn.fn("field", {x = 8}, field)
hn.objective({x = 8, xdot = 8}, loss)   -- loss, and loss_grad: the loss and its ∇θ
