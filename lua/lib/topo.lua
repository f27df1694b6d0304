-- lunet.topo: topology generators, compiled into the binary.  Each returns
-- an ordinary, unstarted network that a script can still change.  Names and
-- address plans are described in docs/topologies.md.
local lunet = ...
local topo = {}
lunet.topo = topo

-- Options may come from Lua ({n = 4}, or just 4) or from "--topo
-- linear,4", where positional values arrive as [1], [2], ...
local function opt(o, key, pos, default)
  local v = o[key]
  if v == nil and pos then v = o[pos] end
  if v == nil then v = default end
  return v
end

local function need_int(v, what, min, max)
  if math.type(v) ~= "integer" or v < min or (max and v > max) then
    local range = max and string.format("between %d and %d", min, max)
      or string.format(">= %d", min)
    error(string.format("%s must be an integer %s, not %s", what, range,
      tostring(v)), 3)
  end
  return v
end

-- Refuses option names a generator does not know, so that a typo
-- ("fattree,K=4") is not silently ignored.
local function check_keys(o, gen, known)
  for k in pairs(o) do
    local ok = math.type(k) == "integer" and k >= 1 and k <= #known
    for _, name in ipairs(known) do ok = ok or k == name end
    if not ok and k ~= "name" then
      error(string.format("%s: unknown option '%s' (it takes %s)", gen,
        tostring(k), table.concat(known, ", ")), 4)
    end
  end
end

local function options(o, gen, known)
  if math.type(o) == "integer" then o = { o } end
  o = o or {}
  if type(o) ~= "table" then
    error(string.format("%s: options must be a table, not %s", gen,
      type(o)), 3)
  end
  check_keys(o, gen, known)
  return o
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

local function need_room(gen, what, used, size)
  if used > size then
    error(string.format("%s: too large: the %s need %d addresses, the "
      .. "plan has %d", gen, what, used, size), 3)
  end
end

-- linear{n} : n switches in a line, a host on each (Mininet's linear).
function topo.linear(o)
  o = options(o, "linear", { "n" })
  local n = need_int(opt(o, "n", 1, 2), "linear: n", 1, 100000)
  local net = lunet.network(o.name or "linear")
  local prev
  for i = 1, n do
    local s = net:switch("s" .. i)
    net:link(net:host("h" .. i), s)
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
  o = options(o, "tree", { "depth", "fanout" })
  local depth = need_int(opt(o, "depth", 1, 1), "tree: depth", 1, 20)
  local fanout = need_int(opt(o, "fanout", 2, 2), "tree: fanout", 1, 1022)
  if fanout ^ depth > 100000 then
    error(string.format("tree: fanout^depth = %.0f hosts is too many",
      fanout ^ depth), 2)
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
  o = options(o, "fattree", { "k" })
  local k = need_int(opt(o, "k", 1, 4), "fattree: k", 2, 64)
  if k % 2 ~= 0 then
    error(string.format("fattree: k must be even, not %d", k), 2)
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
  need_room("fattree", "loopbacks", core_base + core_blk, 0x10000)
  local core = {}
  for c = 1, half * half do
    core[c] = net:router("core" .. c, loopback(core_base + c - 1))
  end
  for p = 1, k do
    local agg, edge = {}, {}
    for i = 1, half do
      agg[i] = net:router(string.format("agg%d_%d", p, i),
        loopback((i - 1) * pow2(k) + p - 1))
    end
    for e = 1, half do
      edge[e] = net:router(string.format("edge%d_%d", p, e),
        loopback(edge_base + (p - 1) * pow2(half) + e - 1))
      local base = HOSTS + (p - 1) * pod_hosts + (e - 1) * edge_blk
      for j = 1, half do
        local h = net:host(string.format("h%d_%d_%d", p, e, j))
        net:link(edge[e], h, p2p(base + 2 * (j - 1)))
      end
    end
    for i = 1, half do
      local base = FABRIC + (p - 1) * pod_links + (i - 1) * agg_blk
      for e = 1, half do
        net:link(agg[i], edge[e], p2p(base + 2 * (e - 1)))
      end
      for c = 1, half do
        net:link(agg[i], core[(i - 1) * half + c],
          p2p(base + k + 2 * (c - 1)))
      end
    end
  end
  return net
end

-- leafspine{spines, leaves, hosts_per_leaf} : every leaf router linked to
-- every spine router, hosts on the leaves.
function topo.leafspine(o)
  o = options(o, "leafspine", { "spines", "leaves", "hosts_per_leaf" })
  local ns = need_int(opt(o, "spines", 1, 2), "leafspine: spines", 1, 1000)
  local nl = need_int(opt(o, "leaves", 2, 4), "leafspine: leaves", 1, 4000)
  local nh = need_int(opt(o, "hosts_per_leaf", 3, 2),
    "leafspine: hosts_per_leaf", 0, 1000)
  local net = lunet.network(o.name or "leafspine")
  local leaf_hosts, leaf_links = pow2(2 * nh), pow2(2 * ns)
  local spine_base = pow2(nl)
  need_room("leafspine", "host links", leaf_hosts * nl, 0x800000)
  need_room("leafspine", "leaf-spine links", leaf_links * nl, 0x400000)
  need_room("leafspine", "loopbacks", spine_base + ns, 0x10000)
  local spine = {}
  for s = 1, ns do
    spine[s] = net:router("spine" .. s, loopback(spine_base + s - 1))
  end
  for l = 1, nl do
    local leaf = net:router("leaf" .. l, loopback(l - 1))
    for j = 1, nh do
      local h = net:host(string.format("h%d_%d", l, j))
      net:link(leaf, h, p2p(HOSTS + (l - 1) * leaf_hosts + 2 * (j - 1)))
    end
    for s = 1, ns do
      net:link(leaf, spine[s],
        p2p(FABRIC + (l - 1) * leaf_links + 2 * (s - 1)))
    end
  end
  return net
end

-- torus{x, y} : an x by y grid of routers wrapped around both ways, a host
-- on each; with switch = true, switches running spanning tree instead.
function topo.torus(o)
  o = options(o, "torus", { "x", "y", "switch" })
  local x = need_int(opt(o, "x", 1, 3), "torus: x", 3, 1000)
  local y = need_int(opt(o, "y", 2, x), "torus: y", 3, 1000)
  local sw = o.switch == true or o.switch == 1 or o.switch == "true"
  local net = lunet.network(o.name or "torus")
  local node = {}
  for i = 1, x do
    node[i] = {}
    for j = 1, y do
      local name = string.format("%d_%d", i, j)
      node[i][j] = sw and net:switch("s" .. name, { stp = true })
        or net:router("r" .. name)
      net:link(node[i][j], net:host("h" .. name))
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

topo._opt, topo._need_int = opt, need_int
return topo
