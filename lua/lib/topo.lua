-- lunet.topo: topology generators, compiled into the binary.  Each returns
-- an ordinary, unstarted network that a script can still change.  Names and
-- address plans are described in docs/topologies.md.
local lunet = ...
local topo = {}
lunet.topo = topo

-- An error about the generator call what, pointing at the call level up
-- (as for error(): 1 is the function calling fail), the user's line.
local function fail(level, what, fmt, ...)
  error(lunet._where(level + 1) .. what .. ": " .. string.format(fmt, ...), 0)
end

-- Options may come from Lua ({n = 4}, or just 4) or from "--topo
-- linear,4", where positional values arrive as [1], [2], ...: those are
-- the options names lists, in order.  types gives each option's type
-- (lunet._check_opts), so that a typo ("fattree,K=4") is an error naming
-- it, not an option silently ignored.  Returns the options by name, and
-- what names the call in messages.
local function options(o, gen, names, types)
  local what = "lunet.topo." .. gen .. "{}"
  if math.type(o) == "integer" then o = { o } end
  o = o or {}
  types.name = "string"
  if type(o) ~= "table" then return lunet._check_opts(o, what, types, 3) end
  local named = {}
  for k, v in pairs(o) do named[k] = v end
  for i, name in ipairs(names) do
    if o[i] ~= nil and o[name] ~= nil then
      fail(3, what, "option '%s' given twice, as [%d] and by name", name, i)
    end
    if o[i] ~= nil then named[name], named[i] = o[i], nil end
  end
  return lunet._check_opts(named, what, types, 3), what
end

-- The integer option key of o (def when absent), between min and max.
local function need_int(o, what, key, def, min, max)
  local v = o[key]
  if v == nil then v = def end
  if math.type(v) == "float" then v = math.tointeger(v) or v end
  if math.type(v) ~= "integer" or v < min or (max and v > max) then
    local range = max and string.format("between %d and %d", min, max)
      or string.format(">= %d", min)
    fail(3, what, "option '%s' must be an integer %s (got %s)", key, range,
      tostring(v))
  end
  return v
end

-- Address arithmetic for the fabric plans: blocks are sized to powers of
-- two and aligned, so that the routes to one edge, pod or leaf merge into
-- one prefix (topo/route.c merges sibling prefixes).
local function pow2(n)
  local p = 1
  while p < n do p = p * 2 end
  return p
end

local function ipv4(n)
  return string.format("%d.%d.%d.%d", n >> 24 & 255, n >> 16 & 255,
    n >> 8 & 255, n & 255)
end

local HOSTS = 0x0a000000 -- 10.0.0.0: host links
local FABRIC = 0x0a800000 -- 10.128.0.0: router-to-router links
local LOOPS = 0x0aff0000 -- 10.255.0.0/16: router loopbacks

-- A /31 link from the pair of addresses at base: end 1 gets base, end 2
-- base + 1.
local function p2p(base)
  return { ip1 = ipv4(base) .. "/31", ip2 = ipv4(base + 1) .. "/31" }
end

local function loopback(n)
  return { lo = ipv4(LOOPS + n) .. "/32" }
end

-- Routing in generated fabrics: routing = "bgp" (FRR unless daemon =
-- "bird") with the ASNs of RFC 7938: one for the top tier (spines,
-- cores), one per pod for a fat-tree's aggregation tier, one per leaf or
-- edge router; or routing = "ospf".  Private 4-byte ASNs (RFC 6996).
local ROUTING = { routing = "string", daemon = "string",
                  bfd = "boolean|string", unnumbered = "boolean|string" }
local ASN_TOP, ASN_POD, ASN_LEAF = 4200000000, 4200000100, 4200001000

local function with_routing(types)
  for k, v in pairs(ROUTING) do types[k] = v end
  return types
end

-- Checks o's routing options; returns a function that gives a router's
-- options: its loopback, and its routing with asn when BGP; and whether
-- the links between routers are unnumbered, so that the generator gives
-- them no addresses (the plan gives them none either).
local function routing_of(o, what)
  local routing, daemon = o.routing or "static", o.daemon
  if routing ~= "static" and routing ~= "bgp" and routing ~= "ospf" then
    fail(3, what, "option 'routing' must be static, bgp or ospf (got %s)",
      tostring(routing))
  end
  if daemon and daemon ~= "frr" and daemon ~= "bird" then
    fail(3, what, "option 'daemon' must be frr or bird (got %s)", daemon)
  end
  if daemon and routing == "static" then
    fail(3, what, "option 'daemon' needs routing = \"bgp\" or \"ospf\"")
  end
  local bfd = o.bfd == true or o.bfd == "true" or o.bfd == 1
  local unnumbered = o.unnumbered == true or o.unnumbered == "true"
  return function(lo, asn)
    local r = loopback(lo)
    if routing == "static" then return r end
    r.routing, r.daemon = routing, daemon
    if bfd then r.bfd = true end
    if unnumbered then r.unnumbered = true end
    if routing == "bgp" then r.asn = asn end
    return r
  end, unnumbered and routing == "bgp"
end

-- A node's options o with the placement group g (topo/place.h).
local function in_group(o, g)
  o.group = g
  return o
end

local function need_room(what, parts, used, size)
  if used > size then
    fail(3, what, "too large: the %s need %d addresses, the plan has %d",
      parts, used, size)
  end
end

-- linear{n} : n switches in a line, a host on each (Mininet's linear).
function topo.linear(o)
  local what
  o, what = options(o, "linear", { "n" }, { n = "integer" })
  local n = need_int(o, what, "n", 2, 1, 100000)
  local net = lunet.network(o.name or "linear")
  local prev
  for i = 1, n do
    -- A switch and its host: a placement group, "cell3".
    local cell = { group = "cell" .. i }
    local s = net:switch("s" .. i, cell)
    net:link(net:host("h" .. i, cell), s)
    if prev then net:link(prev, s) end
    prev = s
  end
  return net
end

-- tree{depth, fanout} : Mininet's tree: a root switch, fanout children per
-- switch, depth levels of switches, fanout^depth hosts at the leaves.
-- Switches and hosts are numbered in the order Mininet makes them
-- (depth first).
function topo.tree(o)
  local what
  o, what = options(o, "tree", { "depth", "fanout" },
    { depth = "integer", fanout = "integer" })
  local depth = need_int(o, what, "depth", 1, 1, 20)
  local fanout = need_int(o, what, "fanout", 2, 1, 1022)
  if fanout ^ depth > 100000 then
    fail(2, what, "fanout^depth = %.0f hosts is too many", fanout ^ depth)
  end
  local net = lunet.network(o.name or "tree")
  local nsw, nh = 0, 0
  local function add(d)
    if d == 0 then
      nh = nh + 1
      return net:host("h" .. nh)
    end
    nsw = nsw + 1
    local s = net:switch("s" .. nsw)
    for _ = 1, fanout do net:link(s, add(d - 1)) end
    return s
  end
  add(depth)
  return net
end

-- fattree{k} : the k-ary fat-tree of Al-Fares et al.: k pods of k/2
-- aggregation and k/2 edge routers, (k/2)^2 core routers, k/2 hosts per
-- edge router.
function topo.fattree(o)
  local what
  o, what = options(o, "fattree", { "k" }, with_routing({ k = "integer" }))
  local k = need_int(o, what, "k", 4, 2, 64)
  local router, bare = routing_of(o, what)
  if k % 2 ~= 0 then
    fail(2, what, "option 'k' must be even (got %d)", k)
  end
  local half = k // 2
  local net = lunet.network(o.name or "fattree")
  -- Host links: one block of pow2(k) addresses per edge router, one
  -- block of those per pod.  Router links: per aggregation router, its
  -- links down to the edges then up to the cores.  Loopbacks: the
  -- aggregation routers by position in their pod (agg*_1 of every pod,
  -- then agg*_2, ...), then the edge routers by pod, then the cores, so
  -- that an edge router reaches each block through one uplink.
  local edge_blk, agg_blk = pow2(k), pow2(2 * k)
  local pod_hosts = edge_blk * pow2(half)
  local pod_links = agg_blk * pow2(half)
  local edge_base = pow2(half) * pow2(k)
  local core_blk = pow2(half) * pow2(half)
  local core_base = edge_base + pow2(k) * pow2(half)
  core_base = (core_base + core_blk - 1) // core_blk * core_blk
  need_room(what, "loopbacks", core_base + core_blk, 0x10000)
  local core = {}
  for c = 1, half * half do
    core[c] = net:router("core" .. c, router(core_base + c - 1, ASN_TOP))
  end
  for p = 1, k do
    -- A pod is the placement group of its routers and hosts: only its
    -- aggregation routers' links to the cores leave it.
    local agg, edge, pod = {}, {}, "pod" .. p
    for i = 1, half do
      agg[i] = net:router(string.format("agg%d_%d", p, i),
        in_group(router((i - 1) * pow2(k) + p - 1, ASN_POD + p), pod))
    end
    for e = 1, half do
      edge[e] = net:router(string.format("edge%d_%d", p, e),
        in_group(router(edge_base + (p - 1) * pow2(half) + e - 1,
          ASN_LEAF + (p - 1) * half + e), pod))
      local base = HOSTS + (p - 1) * pod_hosts + (e - 1) * edge_blk
      for j = 1, half do
        local h = net:host(string.format("h%d_%d_%d", p, e, j),
          { group = pod })
        net:link(edge[e], h, p2p(base + 2 * (j - 1)))
      end
    end
    for i = 1, half do
      local base = FABRIC + (p - 1) * pod_links + (i - 1) * agg_blk
      for e = 1, half do
        net:link(agg[i], edge[e], not bare and p2p(base + 2 * (e - 1)) or nil)
      end
      for c = 1, half do
        net:link(agg[i], core[(i - 1) * half + c],
          not bare and p2p(base + k + 2 * (c - 1)) or nil)
      end
    end
  end
  return net
end

-- leafspine{spines, leaves, hosts_per_leaf} : every leaf router linked to
-- every spine router, hosts on the leaves.
function topo.leafspine(o)
  local what
  o, what = options(o, "leafspine", { "spines", "leaves", "hosts_per_leaf" },
    with_routing({ spines = "integer", leaves = "integer",
                   hosts_per_leaf = "integer" }))
  local router, bare = routing_of(o, what)
  local ns = need_int(o, what, "spines", 2, 1, 1000)
  local nl = need_int(o, what, "leaves", 4, 1, 4000)
  local nh = need_int(o, what, "hosts_per_leaf", 2, 0, 1000)
  local net = lunet.network(o.name or "leafspine")
  local leaf_hosts, leaf_links = pow2(2 * nh), pow2(2 * ns)
  local spine_base = pow2(nl)
  need_room(what, "host links", leaf_hosts * nl, 0x800000)
  need_room(what, "leaf-spine links", leaf_links * nl, 0x400000)
  need_room(what, "loopbacks", spine_base + ns, 0x10000)
  local spine = {}
  for s = 1, ns do
    spine[s] = net:router("spine" .. s, router(spine_base + s - 1, ASN_TOP))
  end
  for l = 1, nl do
    -- A leaf and its hosts are a rack, one placement group.
    local rack = "rack" .. l
    local leaf = net:router("leaf" .. l,
      in_group(router(l - 1, ASN_LEAF + l), rack))
    for j = 1, nh do
      local h = net:host(string.format("h%d_%d", l, j), { group = rack })
      net:link(leaf, h, p2p(HOSTS + (l - 1) * leaf_hosts + 2 * (j - 1)))
    end
    for s = 1, ns do
      net:link(leaf, spine[s], not bare and
        p2p(FABRIC + (l - 1) * leaf_links + 2 * (s - 1)) or nil)
    end
  end
  return net
end

-- A torus router's routing options: no loopback of the plan's own, and
-- one ASN each (the plan numbers them).
local function torus_routing(router)
  local r = router(0, nil)
  r.lo = nil
  return r
end

-- torus{x, y} : an x by y grid of routers wrapped around both ways, a host
-- on each; with switch = true, switches running spanning tree instead.
function topo.torus(o)
  local what
  o, what = options(o, "torus", { "x", "y", "switch" },
    with_routing({ x = "integer", y = "integer",
                   switch = "boolean|integer|string" }))
  local routing = routing_of(o, what)
  local x = need_int(o, what, "x", 3, 3, 1000)
  local y = need_int(o, what, "y", x, 3, 1000)
  local sw = o.switch == true or o.switch == 1 or o.switch == "true"
  local net = lunet.network(o.name or "torus")
  local node = {}
  for i = 1, x do
    node[i] = {}
    for j = 1, y do
      -- A router (or switch) and its host: a placement group.
      local name = string.format("%d_%d", i, j)
      local cell = "cell" .. name
      node[i][j] = sw and net:switch("s" .. name,
          { stp = true, group = cell })
        or net:router("r" .. name, in_group(torus_routing(routing), cell))
      net:link(node[i][j], net:host("h" .. name, { group = cell }))
    end
  end
  for i = 1, x do
    for j = 1, y do
      net:link(node[i][j], node[i % x + 1][j])
      net:link(node[i][j], node[i][j % y + 1])
    end
  end
  return net
end

return topo
