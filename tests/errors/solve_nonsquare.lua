local hn = require "hnnc"
hn.fn("f", {A = {2, 3}, b = 2}, function(A, b)
  return hn.solve(A, b)
end)
