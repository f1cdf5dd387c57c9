-- hnnc.nn: layers written on hnnc's primitives. A layer is a table of
-- parameters and a function of one input; building it declares the
-- parameters (in the order of the calls, so their names and the seed
-- streams are the same on every run).
local hn = require "hnnc"
local nn = {}
local count = {}

-- Errors for unknown options name the first one alphabetically.
local function check(opts, allowed, fname)
  if type(opts) ~= "table" then error(fname .. " expects a table of options", 3) end
  local bad = {}
  for k in next, opts do
    if type(k) == "string" and not allowed[k] then bad[#bad + 1] = k end
  end
  table.sort(bad)
  if bad[1] then
    local names = {}
    for k in next, allowed do names[#names + 1] = k end
    table.sort(names)
    error("unknown option '" .. bad[1] .. "' to " .. fname .. " (expected one of: " .. table.concat(names, ", ") .. ")", 3)
  end
end

local function fresh(kind, name)
  if name then return name end
  count[kind] = (count[kind] or 0) + 1
  return kind .. count[kind]
end

local activations = {
  tanh = hn.tanh, relu = hn.relu, softplus = hn.softplus, sigmoid = hn.sigmoid,
  sin = hn.sin, identity = function(x) return x end,
}

local function activation(act, fname)
  if type(act) == "function" then return act end
  local f = activations[act or "tanh"]
  if not f then error("unknown activation '" .. tostring(act) .. "' in " .. fname ..
    " (expected tanh, relu, softplus, sigmoid, sin, identity or a function)", 3) end
  return f
end

-- dense{inputs, outputs, init = "glorot", bias = true, bias_init = "torch"}:
-- y = x W + b, W [inputs, outputs], x a row [inputs] or rows [T, inputs]. bias_init
-- "torch" is PyTorch's default, uniform(-1/sqrt(inputs), 1/sqrt(inputs)).
function nn.dense(o)
  check(o, {[1] = true, [2] = true, init = true, bias = true, bias_init = true, name = true, gain = true}, "nn.dense")
  local nin, nout = o[1], o[2]
  if type(nin) ~= "number" or type(nout) ~= "number" then
    error("nn.dense needs the input and output sizes, e.g. nn.dense{2, 200}", 2)
  end
  local name = fresh("dense", o.name)
  local layer = {}
  layer.W = hn.param{shape = {nin, nout}, init = o.init or "glorot", gain = o.gain, name = name .. ".W"}
  if o.bias ~= false then
    layer.b = hn.param{shape = {nout}, init = o.bias_init or "torch", fan_in = nin, name = name .. ".b"}
  end
  return setmetatable(layer, {__call = function(self, x)
    local y = hn.matmul(x, self.W)
    if self.b then
      local s = y:shape()
      y = y + (#s == 2 and hn.expand(self.b, 1, s[1]) or self.b)
    end
    return y
  end})
end

-- mlp{sizes = {2, 200, 200, 1}, act = "tanh", init = "orthogonal",
-- last_bias = true}: dense layers with the activation between them.
function nn.mlp(o)
  check(o, {sizes = true, act = true, init = true, bias_init = true, last_bias = true, name = true}, "nn.mlp")
  local sizes = o.sizes
  if type(sizes) ~= "table" or #sizes < 2 then
    error("nn.mlp needs sizes = {inputs, hidden..., outputs}", 2)
  end
  local act = activation(o.act, "nn.mlp")
  local name = fresh("mlp", o.name)
  local layers = {}
  for i = 1, #sizes - 1 do
    layers[i] = nn.dense{sizes[i], sizes[i + 1], init = o.init, bias_init = o.bias_init,
      bias = (i < #sizes - 1) or (o.last_bias ~= false), name = name .. "." .. i}
  end
  return setmetatable({layers = layers}, {__call = function(self, x)
    for i, layer in ipairs(self.layers) do
      x = layer(x)
      if i < #self.layers then x = act(x) end
    end
    return x
  end})
end

return setmetatable(nn, {__index = function(_, k)
  error("unknown layer 'nn." .. tostring(k) .. "'", 2)
end})
