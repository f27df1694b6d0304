-- Four routers in a square, a host behind each.  r1 reaches r3's side
-- through r2 and through r4 at equal cost, so lunet installs a multipath
-- (ECMP) route with both next hops.
local net = lunet.network("routers")
local r = {}
for i = 1, 4 do
  r[i] = net:router("r" .. i)
  net:link(net:host("h" .. i), r[i])
end
for i = 1, 4 do net:link(r[i], r[i % 4 + 1]) end
return net
