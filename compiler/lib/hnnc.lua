-- hnnc: the model language. The primitives are C functions (the core);
-- this file adds what is written with them. Loaded by require "hnnc".
local core = ...
local hn = {}
for k, v in next, core do if k:sub(1, 1) ~= "_" then hn[k] = v end end -- a copy (order does not matter); _names: library's

-- grad(y, wrt): the gradient of the scalar y with respect to a tensor or a
-- list of tensors. grad(f): the function x -> ∂f(x)/∂x.
function hn.grad(f, wrt)
  if type(f) == "function" then
    return function(x) return core.gradient(f(x), x) end
  end
  return core.gradient(f, wrt)
end

-- jacobian(y, x): ∂y/∂x with shape y:shape() .. x:shape(), built row by row
-- from vector-Jacobian products.
function hn.jacobian(y, x)
  local m, k = core.size(y), core.size(x)
  local rows = {}
  for i = 1, m do
    local e = {}
    for j = 1, m do e[j] = (i == j) and 1 or 0 end
    local seed = core.reshape(core.const(e), core.shape(y))
    rows[i] = core.reshape(core.vjp(y, x, seed), {1, k})
  end
  local shape = core.shape(y)
  for _, d in ipairs(core.shape(x)) do shape[#shape + 1] = d end
  return core.reshape(core.concat(rows, 1), shape)
end

-- hvp(f, x, v): the Hessian of the scalar function f at x times v
-- (forward over reverse).
function hn.hvp(f, x, v)
  return core.jvp(core.gradient(f(x), x), x, v)
end

-- field(H): the Hamiltonian vector field x -> Ω∇H(x) = (∂H/∂p, -∂H/∂q) for
-- x = (q, p), q and p of equal length.
function hn.field(H)
  return function(x)
    local dq, dp = core.split(core.gradient(H(x), x), 2)
    return core.concat({dp, -dq})
  end
end

-- objective(inputs, loss): the two functions `hnnc train` runs, for a loss
-- of (x, xdot), a scalar over the batch: loss itself, and loss_grad, the
-- loss and its gradient with respect to every parameter (declaration order).
function hn.objective(inputs, loss)
  if type(inputs) ~= "table" or type(loss) ~= "function" then
    error("objective(inputs, loss): a table of input shapes and a function of (x, xdot)", 2)
  end
  if #core.params() == 0 then
    error("objective: the model has no parameters to train (declare them first: hn.param{...} or a layer of hnnc.nn)", 2)
  end
  core.fn("loss", inputs, function(x, xdot) return loss(x, xdot) end)
  core.fn("loss_grad", inputs, function(x, xdot)
    local L = loss(x, xdot)
    return L, core.gradient(L, core.params())
  end)
end

-- data{...}: the data set of this model (hnnc/data.lua)
function hn.data(spec) return require("hnnc.data")(spec) end

-- train{...}: how `hnnc train` trains this model. task = "spring",
-- "pendulum" or "two_body" with system = "..." is a shorthand for
-- require("hnnc.tasks").TASK{system = ...}.
function hn.train(spec)
  if type(spec) == "table" and spec.task ~= nil then
    local make = require("hnnc.tasks")[spec.task]
    if type(spec.task) ~= "string" or not make then
      error("unknown task '" .. tostring(spec.task) .. "' (expected spring, pendulum or two_body, or declare the data " ..
            "set with hn.data{...})", 2)
    end
    make{system = spec.system}
    local rest = {}
    for k, v in next, spec do
      if k ~= "task" and k ~= "system" then rest[k] = v end
    end
    return core.train(rest)
  end
  return core.train(spec)
end

-- Unknown names are errors, not nils that fail later.
return setmetatable(hn, {__index = function(_, k)
  error("unknown primitive 'hn." .. tostring(k) .. "'", 2)
end})
