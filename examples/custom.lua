-- Options a topology can set by hand: interface names, addresses, MAC,
-- MTU, router loopbacks.  Anything left out is planned by lunet.
local net = lunet.network("custom")
local s1 = net:switch("s1")
local gw = net:router("gw", { lo = "192.0.2.1/32" })
net:link(net:host("web", { ip = "172.16.0.10/24" }), s1)
net:link(net:host("db"), s1, { ifname1 = "data0", mac1 = "02:00:00:00:00:db" })
net:link(s1, gw, { ip2 = "172.16.0.1/24" })
local far = net:host("far")
net:link(far, gw, { mtu = 9000 })
return net
