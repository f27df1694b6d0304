-- The topology "lunet run" builds when given no file, like "mn" alone:
-- two hosts on one switch.
local net = lunet.network("default")
local s1 = net:switch("s1")
net:link(net:host("h1"), s1)
net:link(net:host("h2"), s1)
return net
