-- hnnc.flow: canonical transformations (symplectic flows) written on hnnc's
-- primitives, as hnnc.nn writes dense layers.
--
-- Conventions: x = (q, p) in R^2n, Ω = [[0, I], [-I, 0]]; a map T is
-- canonical (symplectic) iff its Jacobian J satisfies JᵀΩJ = Ω. T maps the
-- latent coordinates (Q̂, P̂) to the physical ones (q, p): training losses
-- apply T.inverse to data.
--
-- A layer is built once, which declares its parameters (in call order, so
-- names and seed streams are the same on every run), and has
--   layer.forward(x [, mode])   layer.inverse(y [, mode])
-- for x one point [2n] or the rows of a trajectory [T, 2n]; mode "train"
-- lets zero_center use batch statistics (see there), anything else is
-- evaluation. Both directions use the same parameters; every layer below
-- has an exact inverse (to round-off; `continuous` to its fixed iteration).
-- Fields: kind, n, symplectic (the layer's claim, which `hnnc check`
-- verifies from the compiled Jacobian), at ("FILE:LINE" of the user's line
-- that built it), logdet(x) for layers that are not symplectic.
local hn = require "hnnc"
local flow = {}
local count = {}

-- Errors for unknown options name the first one alphabetically.
local function options(o, allowed, fname)
  if type(o) ~= "table" then error(fname .. " expects a table of options", 3) end
  local bad, names = {}, {}
  for k in next, o do
    if type(k) == "string" and not allowed[k] then bad[#bad + 1] = k end
  end
  table.sort(bad)
  if bad[1] then
    for k in next, allowed do if type(k) == "string" then names[#names + 1] = k end end
    table.sort(names)
    error("unknown option '" .. bad[1] .. "' to " .. fname .. " (expected one of: " .. table.concat(names, ", ") .. ")", 3)
  end
end

local function fresh(kind, name)
  if name then return name end
  count[kind] = (count[kind] or 0) + 1
  return kind .. count[kind]
end

local function shape_text(s) return "[" .. table.concat(s, ",") .. "]" end

local function degrees(o, fname)
  local n = o.n
  if math.type(n) ~= "integer" or n < 1 then
    error(fname .. " needs n = the number of degrees of freedom (a positive integer; the phase space has 2n dimensions)", 3)
  end
  return n
end

local function callable(f)
  if type(f) == "function" then return true end
  local mt = type(f) == "table" and getmetatable(f)
  return mt and type(mt) == "table" and mt.__call ~= nil
end

-- Every layer works on rows X [T, 2n]; a point [2n] is one row. Returns the
-- rows and the function that gives the result its input's shape back.
local function rows(L, x, what)
  local s = x:shape()
  local d = s[#s]
  if #s < 1 or #s > 2 then
    error(what .. " of flow." .. L.kind .. ": x must be one point [2n] or rows [T, 2n], got " .. shape_text(s), 3)
  end
  if d % 2 == 1 then
    error(what .. " of flow." .. L.kind .. ": the phase-space dimension " .. d .. " is odd (x = (q, p) needs 2n entries)", 3)
  end
  if d ~= 2 * L.n then
    error(what .. " of flow." .. L.kind .. " (built at " .. L.at .. " with n = " .. L.n .. ", phase space " .. 2 * L.n ..
      "): x has " .. d .. " entries per point; give points of " .. 2 * L.n .. " entries, or build the layers with n = " .. d // 2, 3)
  end
  if #s == 1 then
    return hn.reshape(x, {1, d}), function(y) return hn.reshape(y, {d}) end
  end
  return x, function(y) return y end
end

local function halves(X) return hn.split(X, 2, 2) end
local function join(q, p) return hn.concat({q, p}, 2) end
local function T_of(X) return X:shape()[1] end
-- a row vector v [k] repeated over T rows: [T, k]
local function bc(v, T) return hn.expand(v, 1, T) end

-- Builds the layer table: fwd and inv take and return rows [T, 2n].
local function make(kind, n, symplectic, fwd, inv, extra)
  local L = extra or {}
  L.kind, L.n, L.symplectic, L.at = kind, n, symplectic, L.at or hn.where()
  L.fwd, L.inv = fwd, inv
  L.layers = L.layers or {L}
  L.forward = function(x, mode)
    local X, back = rows(L, x, "forward")
    return back(L.fwd(X, mode))
  end
  L.inverse = function(y, mode)
    if not L.inv then error("flow." .. kind .. " (built at " .. L.at .. ") has no inverse (give it one: inverse = function(Y) ... end)", 2) end
    local Y, back = rows(L, y, "inverse")
    return back(L.inv(Y, mode))
  end
  if L.ld then
    L.logdet = function(x, mode)
      local X = rows(L, x, "logdet")
      local v = L.ld(X, mode)
      if #x:shape() == 1 then return hn.sum(v) end
      return v
    end
  end
  return L
end

-- The gradient of a scalar network F applied row by row: F maps rows [T, k]
-- to [T] or [T, 1]; the gradient of the sum over rows is the rows' gradients.
-- (X may be a concatenation that F reads through slices: hn.grad then
-- differentiates with respect to its pieces.)
local function row_gradient(F, X)
  return hn.grad(hn.sum(F(X)), X)
end

-- A scalar network, checked where the user builds the layer: on two rows
-- [2, k] it must give two values.
local function scalar_net(F, k, fname, key)
  if not callable(F) then error(fname .. " needs " .. key .. " = a scalar network (a function of rows [T, " .. k .. "])", 3) end
  local s = F(hn.zeros({2, k})):shape()
  if not ((#s == 1 and s[1] == 2) or (#s == 2 and s[1] == 2 and s[2] == 1)) then
    error(fname .. ": " .. key .. " must be a scalar network applied row by row: on rows [2, " .. k .. "] it returned " ..
      shape_text(s) .. ", expected [2] or [2,1] (one value per point: a network with one output)", 3)
  end
  return F
end

-- shift{n =, F = scalar network of q}: q' = q, p' = p - ∇F(q) (a type-2
-- generating function; ∇²F is symmetric, so the map is canonical).
-- Inverse p = p' + ∇F(q').
function flow.shift(o)
  options(o, {n = true, F = true}, "flow.shift")
  local n = degrees(o, "flow.shift")
  local F = scalar_net(o.F, n, "flow.shift", "F")
  return make("shift", n, true,
    function(X) local q, p = halves(X); return join(q, p - row_gradient(F, q)) end,
    function(Y) local q, p = halves(Y); return join(q, p + row_gradient(F, q)) end)
end

-- dual_shift{n =, G = scalar network of p}: q' = q + ∇G(p), p' = p.
function flow.dual_shift(o)
  options(o, {n = true, G = true}, "flow.dual_shift")
  local n = degrees(o, "flow.dual_shift")
  local G = scalar_net(o.G, n, "flow.dual_shift", "G")
  return make("dual_shift", n, true,
    function(X) local q, p = halves(X); return join(q + row_gradient(G, p), p) end,
    function(Y) local q, p = halves(Y); return join(q - row_gradient(G, p), p) end)
end

local activations = {tanh = hn.tanh, softplus = hn.softplus, sigmoid = hn.sigmoid, sin = hn.sin}

-- irrotational{n =, width = 64, act = "tanh"}: the shift p' = p - μ(q) with
-- the irrotational MLP μ(q) = W1ᵀ σ(w2 ⊙ σ(W1 q + b1) + b2) + b3, whose
-- Jacobian W1ᵀ diag(σ'(a2) ⊙ w2 ⊙ σ'(a1)) W1 is symmetric by construction.
function flow.irrotational(o)
  options(o, {n = true, width = true, act = true, name = true}, "flow.irrotational")
  local n = degrees(o, "flow.irrotational")
  local width = o.width or 64
  if math.type(width) ~= "integer" or width < 1 then error("flow.irrotational: width must be a positive integer", 2) end
  local act = type(o.act) == "function" and o.act or activations[o.act or "tanh"]
  if not act then error("flow.irrotational: unknown act '" .. tostring(o.act) .. "' (expected tanh, softplus, sigmoid, sin or a function)", 2) end
  local name = fresh("irrotational", o.name)
  local W1 = hn.param{shape = {width, n}, init = "glorot", name = name .. ".W1"}
  local b1 = hn.param{shape = {width}, init = "zeros", name = name .. ".b1"}
  local w2 = hn.param{shape = {width}, init = "normal", std = 1 / math.sqrt(width), name = name .. ".w2"}
  local b2 = hn.param{shape = {width}, init = "zeros", name = name .. ".b2"}
  local b3 = hn.param{shape = {n}, init = "zeros", name = name .. ".b3"}
  local function mu(q)
    local T = T_of(q)
    local h = act(hn.matmul(q, hn.transpose(W1)) + bc(b1, T))
    return hn.matmul(act(h * bc(w2, T) + bc(b2, T)), W1) + bc(b3, T)
  end
  return make("irrotational", n, true,
    function(X) local q, p = halves(X); return join(q, p - mu(q)) end,
    function(Y) local q, p = halves(Y); return join(q, p + mu(q)) end)
end

-- exchange{n =}: (q, p) -> (p, -q); inverse (Q, P) -> (-P, Q).
function flow.exchange(o)
  options(o, {n = true}, "flow.exchange")
  local n = degrees(o, "flow.exchange")
  return make("exchange", n, true,
    function(X) local q, p = halves(X); return join(p, -q) end,
    function(Y) local q, p = halves(Y); return join(-p, q) end)
end

-- scale{n =}: (q, p) -> (e^s q, e^-s p), s [n] learned (from 0).
function flow.scale(o)
  options(o, {n = true, name = true}, "flow.scale")
  local n = degrees(o, "flow.scale")
  local s = hn.param{shape = {n}, init = "zeros", name = fresh("scale", o.name) .. ".s"}
  return make("scale", n, true,
    function(X) local q, p = halves(X); local T = T_of(X)
      return join(q * bc(hn.exp(s), T), p * bc(hn.exp(-s), T)) end,
    function(Y) local q, p = halves(Y); local T = T_of(Y)
      return join(q * bc(hn.exp(-s), T), p * bc(hn.exp(s), T)) end)
end

-- linear{n =, reflections = n, M = "symmetric" | "diagonal" | "full" | "none"}:
-- S = N A K. K = the unitary U acting on z = q + ip, as `reflections`
-- Householder reflections R_v = 1 - 2vv†/|v|² (v = a + ib; in real form,
-- with c = 2/(|a|² + |b|²), α = a·q + b·p, β = a·p - b·q:
-- q' = q - c(aα - bβ), p' = p - c(bα + aβ)), then n phases
-- (q', p') = (cos φ q - sin φ p, sin φ q + cos φ p); A = diag(e^ℓ, e^-ℓ);
-- N = [[I, 0], [M, I]]: p' = p + M q. Symmetric M (from M = B + Bᵀ) and
-- diagonal M keep S canonical; a full M does not, and the layer says so
-- (symplectic = false; det S = 1 still). Inverse: N⁻¹, A⁻¹, then K⁻¹ = U†
-- (the phases negated, the reflections, each its own inverse, reversed).
function flow.linear(o)
  options(o, {n = true, reflections = true, M = true, name = true}, "flow.linear")
  local n = degrees(o, "flow.linear")
  local k = o.reflections or n
  if math.type(k) ~= "integer" or k < 0 then error("flow.linear: reflections must be an integer >= 0", 2) end
  local Mkind = o.M or "symmetric"
  if Mkind ~= "symmetric" and Mkind ~= "diagonal" and Mkind ~= "full" and Mkind ~= "none" then
    error("flow.linear: unknown M '" .. tostring(Mkind) .. "' (expected symmetric, diagonal, full or none)", 2)
  end
  local name = fresh("linear", o.name)
  local a, b
  if k > 0 then
    a = hn.param{shape = {k, n}, init = "normal", name = name .. ".a"}
    b = hn.param{shape = {k, n}, init = "normal", name = name .. ".b"}
  end
  local phi = hn.param{shape = {n}, init = "zeros", name = name .. ".phi"}
  local ell = hn.param{shape = {n}, init = "zeros", name = name .. ".l"}
  local M
  if Mkind == "diagonal" then M = hn.param{shape = {n}, init = "zeros", name = name .. ".m"}
  elseif Mkind ~= "none" then M = hn.param{shape = {n, n}, init = "zeros", name = name .. ".M"} end
  local function Mq(q)
    if Mkind == "diagonal" then return q * bc(M, T_of(q)) end
    if Mkind == "symmetric" then return hn.matmul(q, M + hn.transpose(M)) end
    return hn.matmul(q, hn.transpose(M)) -- rows: (M q)ᵀ = qᵀ Mᵀ
  end
  local function outer(col, row, T) return hn.matmul(hn.reshape(col, {T, 1}), hn.reshape(row, {1, n})) end
  local function reflect(q, p, i)
    local T, ai, bi = T_of(q), a[i], b[i]
    local c = 2 / (hn.dot(ai, ai) + hn.dot(bi, bi))
    local al = hn.matmul(q, ai) + hn.matmul(p, bi)
    local be = hn.matmul(p, ai) - hn.matmul(q, bi)
    return q - c * (outer(al, ai, T) - outer(be, bi, T)), p - c * (outer(al, bi, T) + outer(be, ai, T))
  end
  local function rotate(q, p, sign)
    local T = T_of(q)
    local cs, sn = bc(hn.cos(phi), T), bc(hn.sin(phi), T)
    if sign < 0 then sn = -sn end
    return cs * q - sn * p, sn * q + cs * p
  end
  local function fwd(X)
    local q, p = halves(X)
    local T = T_of(X)
    for i = 1, k do q, p = reflect(q, p, i) end
    q, p = rotate(q, p, 1)
    q, p = q * bc(hn.exp(ell), T), p * bc(hn.exp(-ell), T)
    if M then p = p + Mq(q) end
    return join(q, p)
  end
  local function inv(Y)
    local q, p = halves(Y)
    local T = T_of(Y)
    if M then p = p - Mq(q) end
    q, p = q * bc(hn.exp(-ell), T), p * bc(hn.exp(ell), T)
    q, p = rotate(q, p, -1)
    for i = k, 1, -1 do q, p = reflect(q, p, i) end
    return join(q, p)
  end
  return make("linear", n, Mkind ~= "full", fwd, inv)
end

-- zero_center{n =}: x -> x - μ + c, c = (α, β) [2n] learned (from 0). μ is
-- a statistic of the data side, the input of `inverse` (data -> latent):
-- in mode "train", inverse uses the batch mean of its input (over samples
-- and rows); otherwise, and always in `forward`, the moving average μ̄
-- (decay 0.99) kept in the parameter NAME.mean. That parameter is state,
-- not trained: `hnnc train` sets it after every step to
-- 0.99 μ̄ + 0.01 batch mean through the model's `state_update` function
-- (flow.declare makes it). The Jacobian is I in either mode.
-- Written with the forward direction (latent -> data): x = y - c + μ̄.
function flow.zero_center(o)
  options(o, {n = true, name = true}, "flow.zero_center")
  local n = degrees(o, "flow.zero_center")
  local name = fresh("zero_center", o.name)
  local c = hn.param{shape = {2 * n}, init = "zeros", name = name .. ".c"}
  local mean = hn.param{shape = {2 * n}, init = "zeros", name = name .. ".mean"}
  local L = {state = {mean}, state_names = {name .. ".mean"}}
  -- the batch mean of the data-side rows (per-sample mean over rows, then
  -- over the batch)
  L.batch_mean = function(Y) return hn.batch_mean(hn.mean(Y, 1)) end
  return make("zero_center", n, true,
    function(X) local T = T_of(X); return X - bc(c, T) + bc(mean, T) end,
    function(Y, mode)
      local T = T_of(Y)
      local mu = (mode == "train") and L.batch_mean(Y) or mean
      return Y - bc(mu, T) + bc(c, T)
    end, L)
end

-- continuous{n =, G = scalar network of x = (q, p), tau = 1, steps = 4,
-- separable = false, solver = "newton", iterations = 4 (newton) or 20}:
-- the time-tau map of the learned Hamiltonian G by `steps` symplectic
-- steps of h = tau/steps.
--   separable = true (G(q, p) = V(q) + K(p), the user's claim): leapfrog,
--     p -= h/2 ∂G/∂q; q += h ∂G/∂p; p -= h/2 ∂G/∂q. Exact inverse: the same
--     steps with -h. (If G is not separable, the map is not canonical, and
--     `hnnc check` says so.)
--   otherwise: implicit midpoint y = x + h Ω∇G((x + y)/2), from the
--     explicit Euler guess by a fixed number of Newton iterations (solver
--     "newton": y -= J⁻¹ R(y) with R(y) = y - x - h Ω∇G(m), m = (x + y)/2,
--     J = I - (h/2) Ω ∇²G(m), row by row with hn.solve; converges
--     quadratically) or of fixed-point iterations (solver "fixed_point":
--     y = x + h Ω∇G(m); contracts by about h‖∇²G‖/2 per iteration). The
--     result is the midpoint map, canonical, to the residual of the last
--     iteration (`hnnc check` measures what is left). Inverse: the adjoint
--     step, x = y - h Ω∇G((x + y)/2), solved the same way.
function flow.continuous(o)
  options(o, {n = true, G = true, tau = true, steps = true, separable = true, iterations = true, solver = true},
    "flow.continuous")
  local n = degrees(o, "flow.continuous")
  local G = scalar_net(o.G, 2 * n, "flow.continuous", "G")
  local solver = o.solver or "newton"
  if solver ~= "newton" and solver ~= "fixed_point" then
    error("flow.continuous: unknown solver '" .. tostring(solver) .. "' (expected newton or fixed_point)", 2)
  end
  local tau, steps, iters = o.tau or 1, o.steps or 4, o.iterations or (solver == "newton" and 4 or 20)
  if type(tau) ~= "number" or math.type(steps) ~= "integer" or steps < 1 or math.type(iters) ~= "integer" or iters < 1 then
    error("flow.continuous: tau must be a number, steps and iterations positive integers", 2)
  end
  local h = tau / steps
  local function omega(g) -- Ω g row by row: (g_p, -g_q)
    local gq, gp = halves(g)
    return join(gp, -gq)
  end
  local function omega_grad(X) return omega(row_gradient(G, X)) end
  local function leapfrog(X, dt)
    local q, p = halves(X)
    for _ = 1, steps do
      local gq = halves(row_gradient(G, join(q, p)))
      p = p - (dt / 2) * gq
      local _, gp = halves(row_gradient(G, join(q, p)))
      q = q + dt * gp
      gq = halves(row_gradient(G, join(q, p)))
      p = p - (dt / 2) * gq
    end
    return join(q, p)
  end
  -- ∇²G at each row of M [T, 2n], as rows of matrices [T, 2n, 2n]: G acts
  -- row by row, so the vjp of the rows' gradients g with the seed e_i in
  -- every row is row i of each row's Hessian.
  local function hessians(M, g)
    local T, d, rows = T_of(M), 2 * n, {}
    for i = 1, d do
      local e = {}
      for t = 1, T do
        e[t] = {}
        for j = 1, d do e[t][j] = (i == j) and 1 or 0 end
      end
      rows[i] = hn.reshape(hn.vjp(g, M, hn.const(e)), {T, 1, d})
    end
    return hn.concat(rows, 2)
  end
  local eye = {}
  for i = 1, 2 * n do
    eye[i] = {}
    for j = 1, 2 * n do eye[i][j] = (i == j) and 1 or 0 end
  end
  local function newton(X, Y, dt)
    local T = T_of(X)
    local M = (X + Y) / 2
    local g = row_gradient(G, M)
    local R = Y - X - dt * omega(g)
    local Hq, Hp = hn.split(hessians(M, g), 2, 2)   -- Ω ∇²G: rows (∂²G/∂p·, -∂²G/∂q·)
    local J = hn.expand(hn.const(eye), 1, T) - (dt / 2) * hn.concat({Hp, -Hq}, 2)
    return Y - hn.solve(J, R)
  end
  local function midpoint(X, dt)
    for _ = 1, steps do
      local Y = X + dt * omega_grad(X)
      for _ = 1, iters do
        if solver == "newton" then Y = newton(X, Y, dt) else Y = X + dt * omega_grad((X + Y) / 2) end
      end
      X = Y
    end
    return X
  end
  local step = o.separable and leapfrog or midpoint
  return make("continuous", n, true, function(X) return step(X, h) end, function(Y) return step(Y, -h) end)
end

-- realnvp{n =, s = network, t = network, update = "p"}: the affine coupling
-- of Real NVP, for density estimation; NOT symplectic (symplectic = false).
-- update "p": q' = q, p' = p ⊙ exp(s(q)) + t(q), log|det J| = Σ s(q);
-- update "q": the same with the roles of q and p exchanged. s and t map
-- rows [T, n] to [T, n].
function flow.realnvp(o)
  options(o, {n = true, s = true, t = true, update = true}, "flow.realnvp")
  local n = degrees(o, "flow.realnvp")
  local s, t = o.s, o.t
  if not callable(s) or not callable(t) then error("flow.realnvp needs s = and t = networks of rows [T, " .. n .. "]", 2) end
  local sh = s(hn.zeros({2, n})):shape()
  if #sh ~= 2 or sh[1] ~= 2 or sh[2] ~= n then
    error("flow.realnvp: s must map rows [2, " .. n .. "] to [2, " .. n .. "], got " .. shape_text(sh), 2)
  end
  local up = o.update or "p"
  if up ~= "p" and up ~= "q" then error("flow.realnvp: update must be \"p\" or \"q\"", 2) end
  local function split(X) local q, p = halves(X); if up == "p" then return q, p end; return p, q end
  local function merge(c, u) if up == "p" then return join(c, u) end; return join(u, c) end
  local L = {}
  L.ld = function(X) local c = split(X); return hn.sum(s(c), 2) end
  return make("realnvp", n, false,
    function(X) local c, u = split(X); return merge(c, u * hn.exp(s(c)) + t(c)) end,
    function(Y) local c, u = split(Y); return merge(c, (u - t(c)) * hn.exp(-s(c))) end, L)
end

-- layer{n =, forward = f, inverse = g, symplectic = true, logdet = h}: a
-- layer of your own: f and g map rows [T, 2n] to rows [T, 2n] (g may be
-- absent: the layer then has no inverse); h maps rows to [T]. The claim
-- `symplectic` is checked by `hnnc check` from the compiled Jacobian.
function flow.layer(o)
  options(o, {n = true, forward = true, inverse = true, symplectic = true, logdet = true, kind = true}, "flow.layer")
  local n = degrees(o, "flow.layer")
  if not callable(o.forward) then error("flow.layer needs forward = a function of rows [T, " .. 2 * n .. "]", 2) end
  if o.inverse ~= nil and not callable(o.inverse) then error("flow.layer: inverse must be a function", 2) end
  local L = {}
  if o.logdet then L.ld = o.logdet end
  return make(o.kind or "layer", n, o.symplectic ~= false, o.forward, o.inverse, L)
end

-- stack{layer, layer, ..., symplectic = true}: T = layer_k ∘ ... ∘ layer_1
-- (forward applies the list in order, inverse in reverse). Nested stacks
-- are flattened. symplectic = true (the default) claims a canonical map: a
-- layer that is not symplectic is then an error at the stack's line;
-- symplectic = false allows such layers (Real NVP) and gives T.logdet.
function flow.stack(o)
  if type(o) ~= "table" then error("flow.stack expects a list of layers", 2) end
  options(o, {symplectic = true}, "flow.stack")
  local list = {}
  for i, L in ipairs(o) do
    if type(L) ~= "table" or not L.fwd then error("flow.stack: entry " .. i .. " is not a flow layer", 2) end
    for _, l in ipairs(L.layers) do list[#list + 1] = l end
  end
  if not list[1] then error("flow.stack needs at least one layer", 2) end
  local n = list[1].n
  for i, l in ipairs(list) do
    if l.n ~= n then
      error("flow.stack: layer " .. i .. " (flow." .. l.kind .. ", built at " .. l.at .. ") has n = " .. l.n ..
        ", layer 1 (flow." .. list[1].kind .. ", built at " .. list[1].at .. ") n = " .. n ..
        ": every layer of a stack acts on the same phase space", 2)
    end
  end
  local claim = o.symplectic ~= false
  local all = true
  for i, l in ipairs(list) do
    if not l.symplectic then
      all = false
      if claim then
        error("flow.stack claims a symplectic map, but layer " .. i .. " (flow." .. l.kind .. ", built at " .. l.at ..
          ") is not symplectic (pass symplectic = false to the stack for a non-canonical flow)", 2)
      end
    end
  end
  local L = {layers = list, claim = claim}
  if not all then
    L.ld = function(X, mode)
      local total
      for _, l in ipairs(list) do
        if l.ld then total = total and total + l.ld(X, mode) or l.ld(X, mode) end
        X = l.fwd(X, mode)
      end
      return total
    end
  end
  return make("stack", n, all,
    function(X, mode) for _, l in ipairs(list) do X = l.fwd(X, mode) end; return X end,
    function(Y, mode)
      for i = #list, 1, -1 do
        if not list[i].inv then error("flow." .. list[i].kind .. " (built at " .. list[i].at .. ") has no inverse (give it one: inverse = function(Y) ... end)", 3) end
        Y = list[i].inv(Y, mode)
      end
      return Y
    end, L)
end

-- ---- losses (functions of the model file; write your own the same way) ----

-- r = Q̂² + P̂² per degree of freedom, for rows [T, 2n] of latent points.
function flow.radii(Z)
  local q, p = halves(Z)
  return q * q + p * p
end

-- trajectory_loss(T, x): x [W, 2n], W time samples of one trajectory (in
-- `hnnc train`, drawn in a new random order every epoch). The lecture's
-- loss: with r_k = Q̂_k² + P̂_k² (per degree of freedom) of Z = T⁻¹(x),
-- mean over the batch of 1/(n(W-1)) Σ_k |r_k - r_{k+1}|². For samples in
-- random order its expectation is twice the variance of r along the
-- trajectory. First order in T⁻¹; zero_center uses the batch mean.
--
-- trajectory_loss(T, x, {relative = eps}): each degree of freedom's
-- differences divided by (its mean r over the window + eps), so that a
-- small action counts as much as a large one.
function flow.trajectory_loss(T, x, opts)
  local s = x:shape()
  if #s ~= 2 or s[1] < 2 then error("trajectory_loss needs x = rows [W, 2n] of one trajectory, W >= 2, got " .. shape_text(s), 2) end
  local W, n = s[1], T.n
  local r = flow.radii(T.inverse(x, "train"))
  local d = hn.slice(r, 1, W - 1, 1) - hn.slice(r, 2, W, 1)
  if opts and opts.relative then
    local scale = hn.expand(hn.mean(r, 1) + opts.relative, 1, W - 1)
    d = d / scale
  end
  return hn.batch_mean(hn.sum(d * d) / (n * (W - 1)))
end

-- radii_loss(T, H, x): conserved radii on K = H∘T: with Z = T⁻¹(x) =
-- (Q̂, P̂), the rate of change of r_j along K's flow is
-- 2(Q̂ ∂K/∂P̂ - P̂ ∂K/∂Q̂)_j; the loss is its mean square over degrees of
-- freedom, rows and the batch. Second order: ∇K inside the loss.
-- H is the system's Hamiltonian of a point x [2n] (rows are mapped one at
-- a time; x may be [2n] or [W, 2n]).
function flow.radii_loss(T, H, x)
  local Z = T.inverse(x, "train")
  local s = Z:shape()
  local Zr = #s == 1 and hn.reshape(Z, {1, s[1]}) or Z
  local function K(Y) -- Σ over rows of H(T(y_t)); rows are independent
    local X = T.forward(Y)
    local total
    for t = 1, X:shape()[1] do
      local v = H(X[t])
      total = total and total + v or v
    end
    return total
  end
  local gq, gp = halves(hn.grad(K(Zr), Zr))
  local q, p = halves(Zr)
  local w = q * gp - p * gq
  return hn.batch_mean(hn.mean(w * w))
end

-- ---- declaration for the tools ----

-- declare(T, {window = W, baseline = {w_1, ..., w_n}}):
-- window: the loss takes windows x [W, 2n] of a trajectory, which
-- `hnnc train` cuts from the data set's trajectories anew every epoch (W
-- time samples of one trajectory in random order; see README: Flows);
-- baseline: the normal-mode
-- frequencies of a linear normal form whose actions `hnnc evaluate`
-- reports beside the flow's (running waves for equal frequencies).
-- It compiles what `hnnc check` and `hnnc evaluate` use, for one
-- point x [2n] (evaluation mode): forward, inverse, jacobian (of forward),
-- layer_inputs [L, 2n] (each layer's input along forward) and
-- layer_jacobians (of those inputs: [L, 2n, 2n], each layer's Jacobian),
-- logdet (flows that are not symplectic), and state_update when a layer
-- keeps state (zero_center; the input is a batch of data rows
-- x [W, 2n]: W = the trajectory_loss window, opts.window). It notes the
-- layers (kind, claim, line) for the tools.
function flow.declare(T, opts)
  opts = opts or {}
  options(opts, {window = true, baseline = true}, "flow.declare")
  if type(T) ~= "table" or not T.fwd then error("flow.declare needs a flow (a layer or flow.stack)", 2) end
  local d = 2 * T.n
  hn.note("flow.n", tostring(T.n))
  hn.note("flow.symplectic", T.symplectic and "1" or "0")
  if opts.window then
    if math.type(opts.window) ~= "integer" or opts.window < 2 then error("flow.declare: window must be an integer >= 2", 2) end
    hn.note("flow.window", tostring(opts.window))
  end
  if opts.baseline then
    local b = opts.baseline
    if type(b) ~= "table" or #b ~= T.n then
      error("flow.declare: baseline must list the " .. T.n .. " normal-mode frequencies (running waves of the linear normal form)", 2)
    end
    local f = {}
    for j = 1, T.n do f[j] = string.format("%.17g", b[j]) end
    hn.note("flow.baseline", "running_wave " .. table.concat(f, " "))
  end
  for i, l in ipairs(T.layers) do
    hn.note("flow.layer", i .. " " .. l.kind .. " " .. (l.symplectic and "symplectic" or "not-symplectic") .. " " .. l.at)
  end
  local cold = {cold = true} -- only the tools call these: compiled for size (gcc in a fraction of the time)
  hn.fn("forward", {x = d}, function(x) return T.forward(x) end, cold)
  hn.fn("inverse", {y = d}, function(y) return T.inverse(y) end, cold)
  hn.fn("jacobian", {x = d}, function(x) return hn.jacobian(T.forward(x), x) end, cold)
  -- the layers' inputs along the forward pass, and each layer's Jacobian at
  -- its own input (a Jacobian with respect to the whole input list, of
  -- which block i is taken: a Jacobian with respect to an intermediate
  -- value could miss paths that the graph's folding shortcuts)
  local nl = #T.layers
  hn.fn("layer_inputs", {x = d}, function(x)
    local X, rows_in = hn.reshape(x, {1, d}), {}
    for i, l in ipairs(T.layers) do rows_in[i] = X; X = l.fwd(X) end
    return hn.concat(rows_in, 1)
  end, cold)
  hn.fn("layer_jacobians", {xs = {nl, d}}, function(xs)
    local J = {}
    for i, l in ipairs(T.layers) do
      local Y = hn.reshape(l.fwd(hn.reshape(xs[i], {1, d})), {d})
      J[i] = hn.reshape(hn.slice(hn.jacobian(Y, xs), i, i, 2), {1, d, d})
    end
    return hn.concat(J, 1)
  end, cold)
  if T.logdet then hn.fn("logdet", {x = d}, function(x) return T.logdet(x) end, cold) end
  -- state: the batch mean of each zero_center's data-side input, reached
  -- from the data through the layers after it, in training mode
  local stateful = false
  for _, l in ipairs(T.layers) do if l.state then stateful = true end end
  if stateful then
    local W = opts.window or 1
    for _, l in ipairs(T.layers) do
      if l.state then hn.note("flow.state", l.state_names[1]) end
    end
    hn.fn("state_update", {x = {W, d}}, function(x)
      local out, Y = {}, x
      for i = #T.layers, 1, -1 do
        local l = T.layers[i]
        if l.state then table.insert(out, 1, 0.99 * l.state[1] + 0.01 * l.batch_mean(Y)) end
        Y = l.inv(Y, "train")
      end
      return out
    end)
  end
end

return setmetatable(flow, {__index = function(_, k)
  error("unknown layer 'flow." .. tostring(k) .. "'", 2)
end})
