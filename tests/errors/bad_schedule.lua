local hn = require "hnnc"
hn.train{task = "spring", system = "../../models/systems/spring.lua", schedule = "linear"}
