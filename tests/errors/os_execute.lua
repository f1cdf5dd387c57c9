local hn = require "hnnc"
os.execute("echo hello")
